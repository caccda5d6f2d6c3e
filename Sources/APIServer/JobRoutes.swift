import AgentCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Operations

/// The /v1 handlers. Each runs after `authorized` has found the caller's tenant.
extension APIServer {
    func submit(_ request: Request, _ scope: TenantScope) async throws -> Response {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxBodyBytes)
        } catch {
            return APIResponse.error(.contentTooLarge, "too_large", "the job is over the \(maxBodyBytes)-byte limit")
        }
        let spec: JobSpec
        do {
            spec = try JobSpecParser(maxBytes: maxBodyBytes).parse(Data(buffer.readableBytesView))
        } catch {
            return APIResponse.error(.badRequest, "invalid_job", error.description)
        }
        let entry: Enqueued
        do {
            entry = try await JobSubmission.submit([spec], as: scope, to: queue)[0]
        } catch let refused as JobSubmission.Refused {
            return APIResponse.refusal(refused.outcome)
        }
        // A chosen id names one job of this tenant in every queue: a second submit with it is a conflict.
        guard entry.created else {
            return APIResponse.error(.conflict, "id_taken", "a job with id \(entry.id) exists: choose another id, or leave it out")
        }
        let id = entry.id
        var response = APIResponse.json(.created, ["id": .string(id), "queue": .string(spec.queue),
                                                   "state": .string(spec.runAt == nil ? "pending" : "scheduled")])
        response.headers[.location] = "/v1/jobs/\(id)"
        return response
    }

    /// Jobs one list request looks at, at most: a tenant with few jobs in a busy shared queue costs
    /// each request a bounded walk.
    static let listScanLimit = 20_000

    func list(_ request: Request, _ scope: TenantScope) async throws -> Response {
        let q = request.uri.queryParameters
        guard let state = JobState(rawValue: q.get("state") ?? "pending") else {
            return APIResponse.error(.badRequest, "invalid_state", "state must be one of \(JobState.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let limit = Int(q.get("limit") ?? "50"), (1...500).contains(limit) else {
            return APIResponse.error(.badRequest, "invalid_page", "limit is a number from 1 to 500")
        }
        let text = q.get("filter") ?? ""
        guard text.utf8.count <= 200 else { return APIResponse.error(.badRequest, "invalid_filter", "filter: at most 200 bytes") }
        let queueName = q.get("queue") ?? JobSpec.defaultQueue
        guard JobSpecParser.isValidName(queueName) else { return APIResponse.error(.badRequest, "invalid_queue", "queue: \(JobSpecParser.nameRule)") }
        guard scope.mayUse(queue: queueName) else { return APIResponse.error(.badRequest, "queue_not_allowed", scope.refusal(queue: queueName)) }
        let page: JobPage
        do {
            // A tenant's rows are found in the queue layer, so a page is full unless it is the last, or
            // the request has looked at `listScanLimit` jobs (then a shorter page says where to go on).
            page = try await queue.find(queue: queueName, state: state, filter: scope.filter(text: text),
                                        cursor: q.get("cursor").flatMap { $0.isEmpty ? nil : $0 }, limit: limit,
                                        scanLimit: Self.listScanLimit)
        } catch let e as JobCursorError {
            return APIResponse.error(.badRequest, "invalid_cursor", e.description)
        }
        var body: [String: JSONValue] = ["jobs": .array(page.rows.map { WireModel.row($0, id: scope.external($0.id)) })]
        if let next = page.next { body["next_cursor"] = .string(next) }
        return APIResponse.json(.ok, .object(body))
    }

    func show(_ id: String?, _ scope: TenantScope) async throws -> Response {
        guard let job = try await scope.visibleJob(id, on: queue) else { return APIResponse.notFound() }
        let transcript = try await queue.transcript(of: job)
        return APIResponse.json(.ok, WireModel.job(job, transcript: transcript, id: scope.external(job.id)))
    }

    func requeue(_ id: String?, _ scope: TenantScope) async throws -> Response {
        guard let job = try await scope.visibleJob(id, on: queue) else { return APIResponse.notFound() }
        let shown = scope.external(job.id)
        let outcome = try await queue.requeue(id: job.id).outcome(shown)
        return outcome.done ? APIResponse.json(.ok, ["id": .string(shown), "state": "pending"]) : APIResponse.refusal(outcome)
    }

    func cancel(_ id: String?, _ scope: TenantScope) async throws -> Response {
        guard let job = try await scope.visibleJob(id, on: queue) else { return APIResponse.notFound() }
        let shown = scope.external(job.id)
        let outcome = try await queue.cancel(id: job.id).outcome(shown)
        switch outcome.kind {
        case .done: return APIResponse.json(.ok, ["id": .string(shown), "state": "cancelled"])
        case .accepted: return APIResponse.json(.accepted, ["id": .string(shown), "state": "active", "cancel_requested": .bool(true)])
        case .conflict, .notFound, .invalid: return APIResponse.refusal(outcome)
        }
    }

    func delete(_ id: String?, _ scope: TenantScope) async throws -> Response {
        guard let job = try await scope.visibleJob(id, on: queue) else { return APIResponse.notFound() }
        let outcome = try await JobFileAccess.delete(job, shown: scope.external(job.id), queue: queue, files: files)
        return outcome.done ? Response(status: .noContent) : APIResponse.refusal(outcome)
    }

    /// A tenant sees the queues it may use; an admin sees every queue. The counts are the queue's,
    /// every tenant's jobs together, so only an admin gets them: a tenant learns nothing of others' work.
    func queues(_ scope: TenantScope) async throws -> Response {
        var out: [JSONValue] = []
        let names = if let allowed = scope.queues { allowed } else { try await queue.queues() }
        for name in names {
            let stats = try await queue.stats(queue: name)
            out.append(scope.admin ? WireModel.queue(stats) : ["queue": .string(stats.queue), "paused": .bool(stats.paused)])
        }
        return APIResponse.json(.ok, .object(["queues": .array(out)]))
    }
}

/// POST /v1/jobs/{id}/fork: a new agent job from the first turns of this one.
extension APIServer {
    /// The body: `{"turn": N, "model": "…", "instructions": "…", "message": "…"}`; only `turn` is required.
    func fork(_ id: String?, _ request: Request, _ scope: TenantScope) async throws -> Response {
        let fields: [String: JSONValue]
        do {
            let buffer = try await request.body.collect(upTo: 2 * JobFork.maxTextBytes + 4096)
            guard let object = try JSONValue.parse(Data(buffer.readableBytesView)).objectValue else { throw APIBodyError() }
            fields = object
        } catch {
            return APIResponse.error(.badRequest, "invalid_body", "expected a JSON object like {\"turn\": 3} of at most \(2 * JobFork.maxTextBytes + 4096) bytes")
        }
        let known = ["turn", "model", "instructions", "message"]
        if let bad = fields.keys.sorted().first(where: { !known.contains($0) }) {
            return APIResponse.error(.badRequest, "invalid_body", "unknown field \(bad) (known: \(known.joined(separator: ", ")))")
        }
        guard let number = fields["turn"]?.numberValue, number.isFinite, number >= 0, number <= 1_000_000, number == number.rounded() else {
            return APIResponse.error(.badRequest, "invalid_body", "turn: a whole number of turns, from 0")
        }
        for key in ["model", "instructions", "message"] where fields[key] != nil && fields[key]?.stringValue == nil {
            return APIResponse.error(.badRequest, "invalid_body", "\(key): expected a string")
        }
        let options = JobFork.Options(turn: Int(number), model: fields["model"]?.stringValue, instructions: fields["instructions"]?.stringValue,
                                      message: fields["message"]?.stringValue)
        let entry: Enqueued
        do {
            entry = try await JobFork.fork(id ?? "", options, as: scope, on: queue)
        } catch let refused as JobSubmission.Refused {
            return APIResponse.refusal(refused.outcome)
        }
        var response = APIResponse.json(.created, ["id": .string(entry.id), "state": "pending",
                                                   "forked_from": ["job": .string(id ?? ""), "turn": .number(Double(options.turn))]])
        response.headers[.location] = "/v1/jobs/\(entry.id)"
        return response
    }
}

private struct APIBodyError: Error {}
