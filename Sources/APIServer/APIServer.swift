import AgentCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import RedisQueue

/// The HTTP API: jobs in, jobs out, per tenant. Every error is JSON: {"error": {"code", "message"}}.
public struct APIServer: Sendable {
    public let queue: RedisJobQueue
    public let tokens: APITokens
    public var maxBodyBytes = JobSpecParser.defaultMaxBytes

    public init(queue: RedisJobQueue, tokens: APITokens) {
        self.queue = queue
        self.tokens = tokens
    }

    public func application(host: String, port: Int, logger: Logger) -> some ApplicationProtocol {
        Application(router: router(), configuration: .init(address: .hostname(host, port: port), serverName: "swissagent"),
                    logger: logger)
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/healthz") { _, _ in Self.json(.ok, ["status": "ok"]) }
        router.get("/readyz") { _, _ in
            do {
                try await queue.client.call("PING")
                return Self.json(.ok, ["status": "ready"])
            } catch {
                return Self.error(.serviceUnavailable, "redis_unreachable", "\(error)")
            }
        }
        router.post("/v1/jobs") { request, context in try await authorized(request) { grant in try await submit(request, grant) } }
        router.get("/v1/jobs") { request, _ in try await authorized(request) { grant in try await list(request, grant) } }
        router.get("/v1/jobs/:id") { request, context in
            try await authorized(request) { grant in
                guard let job = try await visibleJob(context.parameters.get("id"), grant) else { return notFound() }
                return Self.json(.ok, Self.jobJSON(job))
            }
        }
        router.post("/v1/jobs/:id/requeue") { request, context in
            try await authorized(request) { grant in
                guard let job = try await visibleJob(context.parameters.get("id"), grant) else { return notFound() }
                switch try await queue.requeue(id: job.id) {
                case .requeued: return Self.json(.ok, ["id": .string(job.id), "state": "pending"])
                case .notRequeueable(let s): return Self.error(.conflict, "not_requeueable", "the job is \(s.rawValue)")
                case .notFound: return notFound()
                }
            }
        }
        router.post("/v1/jobs/:id/cancel") { request, context in
            try await authorized(request) { grant in
                guard let job = try await visibleJob(context.parameters.get("id"), grant) else { return notFound() }
                switch try await queue.cancel(id: job.id) {
                case .cancelled: return Self.json(.ok, ["id": .string(job.id), "state": "cancelled"])
                case .requested: return Self.json(.accepted, ["id": .string(job.id), "state": "active", "cancel_requested": .bool(true)])
                case .alreadyFinished(let s): return Self.error(.conflict, "already_finished", "the job is already \(s.rawValue)")
                case .notFound: return notFound()
                }
            }
        }
        router.delete("/v1/jobs/:id") { request, context in
            try await authorized(request) { grant in
                guard let job = try await visibleJob(context.parameters.get("id"), grant) else { return notFound() }
                switch try await queue.delete(id: job.id) {
                case .deleted: return Response(status: .noContent)
                case .active: return Self.error(.conflict, "job_active", "the job is running: cancel it first")
                case .notFound: return notFound()
                }
            }
        }
        router.get("/v1/jobs/:id/output") { request, context in
            try await authorized(request) { grant in
                guard let job = try await visibleJob(context.parameters.get("id"), grant) else { return notFound() }
                return outputStream(job.id, after: HTTPField.Name("Last-Event-ID").flatMap { request.headers[$0] } ?? "")
            }
        }
        router.get("/v1/queues") { request, _ in
            try await authorized(request) { _ in
                var out: [JSONValue] = []
                for name in try await queue.queues() {
                    let s = try await queue.stats(queue: name)
                    out.append(.object([
                        "queue": .string(name), "paused": .bool(s.paused), "pending": .number(Double(s.pending)),
                        "active": .number(Double(s.active)), "scheduled": .number(Double(s.scheduled)),
                        "retrying": .number(Double(s.retrying)), "failed": .number(Double(s.failed)),
                        "succeeded": .number(Double(s.succeeded)), "cancelled": .number(Double(s.cancelled)),
                        "oldest_pending_s": s.oldestPendingAge.map { .number($0) } ?? .null,
                    ]))
                }
                return Self.json(.ok, .object(["queues": .array(out)]))
            }
        }
        return router
    }

    /// Runs the handler for a request with a valid bearer token; 401 otherwise. Redis errors are 503.
    func authorized(_ request: Request, _ body: (APITokens.Grant) async throws -> Response) async throws -> Response {
        guard let grant = tokens.grant(for: request.headers[.authorization]) else {
            return Self.error(.unauthorized, "unauthorized", "a valid bearer token is required")
        }
        do {
            return try await body(grant)
        } catch let e as RedisError {
            return Self.error(.serviceUnavailable, "redis_unavailable", e.description)
        }
    }

    func submit(_ request: Request, _ grant: APITokens.Grant) async throws -> Response {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxBodyBytes)
        } catch {
            return Self.error(.contentTooLarge, "too_large", "the job is over the \(maxBodyBytes)-byte limit")
        }
        var spec: JobSpec
        do {
            spec = try JobSpecParser(maxBytes: maxBodyBytes).parse(Data(buffer.readableBytesView))
        } catch {
            return Self.error(.badRequest, "invalid_job", error.description)
        }
        if !grant.admin { spec.tenant = grant.tenant } else if spec.tenant == nil { spec.tenant = grant.tenant }
        let id = try await queue.enqueue(spec)
        var response = Self.json(.created, ["id": .string(id), "queue": .string(spec.queue), "state": .string(spec.runAt == nil ? "pending" : "scheduled")])
        response.headers[.location] = "/v1/jobs/\(id)"
        return response
    }

    func list(_ request: Request, _ grant: APITokens.Grant) async throws -> Response {
        let q = request.uri.queryParameters
        guard let state = JobState(rawValue: q.get("state") ?? "pending") else {
            return Self.error(.badRequest, "invalid_state", "state must be one of \(JobState.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let limit = q.get("limit").flatMap { Int($0) } ?? 50
        let cursor = q.get("cursor").flatMap { Int($0) } ?? 0
        guard (1...500).contains(limit), cursor >= 0 else { return Self.error(.badRequest, "invalid_page", "limit is 1 to 500, cursor at least 0") }
        let queueName = q.get("queue") ?? JobSpec.defaultQueue
        let page = try await queue.list(queue: queueName, state: state, offset: cursor, limit: limit)
        let visible = page.filter { grant.admin || $0.tenant == grant.tenant }
        var body: [String: JSONValue] = ["jobs": .array(visible.map { j in
            .object(["id": .string(j.id), "queue": .string(j.queue), "state": .string(j.state?.rawValue ?? state.rawValue),
                     "attempts": .number(Double(j.attempts)), "error": j.lastError.map { .string($0) } ?? .null])
        })]
        if page.count == limit { body["next_cursor"] = .string(String(cursor + limit)) }
        return Self.json(.ok, .object(body))
    }

    /// The job's output as Server-Sent Events: each chunk an event whose id is its place in the stream
    /// (so Last-Event-ID resumes), following live, ending with an `end` event once the job is finished.
    func outputStream(_ id: String, after: String) -> Response {
        let queue = queue
        let body = ResponseBody { writer in
            let reader = queue.withNewConnection(label: "sse")
            var offset = after
            while true {
                let events = try await reader.readOutput(id: id, after: offset, limit: 500, wait: 1)
                for e in events {
                    let data = JSONWriter.write(.object(["step": .number(Double(e.step)), "stream": .string(e.stream.rawValue),
                                                         "text": .string(e.text)]))
                    try await writer.write(ByteBuffer(string: "id: \(e.offset)\nevent: output\ndata: " + String(decoding: data, as: UTF8.self) + "\n\n"))
                    offset = e.offset
                }
                if events.isEmpty {
                    guard let job = try await queue.job(id: id) else { break }
                    if job.state.isTerminal {
                        try await writer.write(ByteBuffer(string: "event: end\ndata: {\"state\":\"\(job.state.rawValue)\"}\n\n"))
                        break
                    }
                    try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }

    /// The job if this tenant may see it. Another tenant's job is "not found", not "forbidden".
    func visibleJob(_ id: String?, _ grant: APITokens.Grant) async throws -> JobRecord? {
        guard let id, id.count <= 128, id.allSatisfy({ $0.isLetter || $0.isNumber || "-_.:@".contains($0) }) else { return nil }
        guard let job = try await queue.job(id: id) else { return nil }
        if grant.admin || SpecDigest(json: job.specJSON).tenant == grant.tenant { return job }
        return nil
    }

    func notFound() -> Response { Self.error(.notFound, "not_found", "no such job") }

    static func jobJSON(_ job: JobRecord) -> JSONValue {
        .object([
            "id": .string(job.id), "queue": .string(job.queue), "state": .string(job.state.rawValue),
            "attempts": .number(Double(job.attempts)), "max_attempts": .number(Double(job.maxAttempts)),
            "error": job.lastError.map { .string($0) } ?? .null, "result": job.result.map { .string($0) } ?? .null,
            "spec": (try? JSONValue.parse(Data(job.specJSON.utf8))) ?? .null,
            "steps": .array(job.steps.map { s in
                .object(["tool": .string(s.tool), "status": .string(s.status.rawValue), "seconds": s.seconds.map { .number($0) } ?? .null,
                         "exit_code": s.exitCode.map { .number(Double($0)) } ?? .null])
            }),
        ])
    }

    static func json(_ status: HTTPResponse.Status, _ value: JSONValue) -> Response {
        Response(status: status, headers: [.contentType: "application/json"],
                 body: ResponseBody(byteBuffer: ByteBuffer(bytes: JSONWriter.write(value))))
    }

    static func json(_ status: HTTPResponse.Status, _ value: [String: JSONValue]) -> Response { json(status, .object(value)) }

    static func error(_ status: HTTPResponse.Status, _ code: String, _ message: String) -> Response {
        json(status, .object(["error": .object(["code": .string(code), "message": .string(message)])]))
    }
}
