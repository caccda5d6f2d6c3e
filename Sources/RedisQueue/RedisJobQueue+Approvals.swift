import AgentCore
import Foundation

/// Tool calls that wait for a person: the worker asks and polls, people decide, readers list them.
extension RedisJobQueue {
    public func askApproval(_ token: ClaimToken, request: ApprovalRequest) async throws -> Bool {
        let q = keys.queue(token.queue)
        let reply = try await client.eval(Scripts.askApproval, keys: [q.job(token.id), q.history(token.id), q.awaiting],
                                          args: [token.id, token.claim, nowMs, try Self.json(request), request.id,
                                                 "step \(request.step + 1) \(request.summary.prefix(300)) waits: \(request.reason)"])
        return try reply.orThrow().text == "asked"
    }

    public func park(_ token: ClaimToken, request: ApprovalRequest) async throws -> Bool {
        let q = keys.queue(token.queue)
        let now = nowMs
        let wakeAt = now + Int(min(request.timeoutSeconds, 86_400) * 1000)
        let timedOut = ApprovalDecision.timedOut(after: request.timeoutSeconds, at: Double(wakeAt) / 1000)
        let reply = try await client.eval(Scripts.park, keys: [q.job(token.id), q.history(token.id), q.active, q.lease, q.awaiting, q.parked],
                                          args: [token.id, token.claim, now, try Self.json(request), request.id,
                                                 "step \(request.step + 1) \(request.summary.prefix(300)) waits: \(request.reason)",
                                                 wakeAt, try Self.json(timedOut)])
        return try reply.orThrow().text == "parked"
    }

    public func takeDecision(_ token: ClaimToken) async throws -> (request: ApprovalRequest, decision: ApprovalDecision)? {
        let reply = try await client.eval(Scripts.takeDecision, keys: [keys.queue(token.queue).job(token.id)], args: [token.claim])
        let parts = try reply.orThrow().texts
        guard parts.count == 2 else { return nil }
        let decoder = JSONDecoder()
        // A stored request or decision that does not read back is no approval: the call asks again.
        guard let request = (try? decoder.decode(ApprovalRequest.self, from: Data(parts[0].utf8)))?.checked(),
              let decision = try? decoder.decode(ApprovalDecision.self, from: Data(parts[1].utf8)) else { return nil }
        return (request, decision)
    }

    public func settleApproval(_ token: ClaimToken, requestID: String, timedOut: ApprovalDecision?) async throws -> ApprovalSettlement {
        let q = keys.queue(token.queue)
        let reply = try await client.eval(Scripts.settleApproval, keys: [q.job(token.id), q.history(token.id), q.awaiting],
                                          args: [token.id, token.claim, requestID, nowMs, try timedOut.map(Self.json) ?? ""])
        let parts = try reply.orThrow().texts
        switch parts.first {
        case "waiting": return .waiting
        case "decided":
            // A decision that does not read back is no approval.
            let decision = parts.count > 1 ? try? JSONDecoder().decode(ApprovalDecision.self, from: Data(parts[1].utf8)) : nil
            return .decided(decision ?? ApprovalDecision(approved: false, by: "unknown", reason: "the stored decision was unreadable",
                                                         at: Date().timeIntervalSince1970))
        default: return .stale
        }
    }

    public func decideApproval(id: String, call: String?, decision: ApprovalDecision) async throws -> ApprovalOutcome {
        guard let queue = try await locate(id) else { return .missing }
        let q = keys.queue(queue)
        let reply = try await client.eval(
            Scripts.decideApproval, keys: [q.job(id), q.history(id), q.awaiting, q.parked, q.pending, q.marker],
            args: [id, call ?? "", decision.approved ? "approved" : "denied", decision.by, decision.reason ?? "", nowMs,
                   try Self.json(decision)])
        return ApprovalOutcome(rawValue: try reply.orThrow().text ?? "") ?? .missing
    }

    /// One range read and one pipelined HMGET.
    public func awaiting(queue: String, offset: Int, limit: Int) async throws -> [AwaitingApproval] {
        guard limit > 0, offset >= 0 else { return [] }
        let q = keys.queue(queue)
        let ids = try await client.call("ZRANGE", q.awaiting, offset, offset + limit - 1).texts
        if ids.isEmpty { return [] }
        let replies = try await client.pipeline(ids.map { ["HMGET", q.job($0), "approval", "approval_decision", "spec", "state"] })
        let decoder = JSONDecoder()
        return zip(ids, replies).compactMap { id, reply in
            let v = reply.array ?? []
            guard v.count == 4, v[3].text == "active" || v[3].text == "awaiting", v[1].text == nil, let text = v[0].text,
                  let request = (try? decoder.decode(ApprovalRequest.self, from: Data(text.utf8)))?.checked() else { return nil }
            return AwaitingApproval(jobID: id, queue: queue, tenant: SpecDigest(json: v[2].text).tenant, request: request)
        }
    }

    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
