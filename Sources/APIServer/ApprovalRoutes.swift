import AgentCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Operations

/// POST /v1/jobs/{id}/approve and /deny: a person's decision on the call a job waits on.
extension APIServer {
    /// The body, optional for an approval: `{"reason": "…", "call": "<request id>"}`.
    func decide(_ id: String?, _ request: Request, _ scope: TenantScope, approve: Bool) async throws -> Response {
        guard let job = try await scope.visibleJob(id, on: queue) else { return APIResponse.notFound() }
        let shown = scope.external(job.id)
        let body: JSONValue
        do {
            let buffer = try await request.body.collect(upTo: 64 << 10)
            body = buffer.readableBytes == 0 ? .object([:]) : try JSONDecoder().decode(JSONValue.self, from: Data(buffer.readableBytesView))
        } catch {
            return APIResponse.error(.badRequest, "invalid_body", "expected a JSON object like {\"reason\": \"…\"} of at most 64 KiB")
        }
        guard let fields = body.objectValue else { return APIResponse.error(.badRequest, "invalid_body", "expected a JSON object") }
        if let bad = fields.keys.sorted().first(where: { !["reason", "call"].contains($0) }) {
            return APIResponse.error(.badRequest, "invalid_body", "unknown field \(bad) (known: call, reason)")
        }
        for key in ["reason", "call"] where fields[key] != nil && fields[key]?.stringValue == nil && fields[key] != .null {
            return APIResponse.error(.badRequest, "invalid_body", "\(key): expected a string")
        }
        let tenant = scope.tenant ?? ""
        let who = scope.admin ? "admin token, tenant \(tenant) (api)" : "tenant \(tenant) (api)"
        let outcome = try await ApprovalActions.decide(queue, id: job.id, approve: approve, reason: fields["reason"]?.stringValue, by: who,
                                                       call: fields["call"]?.stringValue)
        guard outcome.done else { return APIResponse.refusal(outcome) }
        return APIResponse.json(.ok, ["id": .string(shown), "decision": .string(approve ? "approved" : "denied"), "by": .string(who)])
    }
}
