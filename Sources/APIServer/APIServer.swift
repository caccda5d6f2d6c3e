import AgentCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import RedisQueue

/// The HTTP API: jobs in, jobs out, per tenant. Every error is JSON: {"error": {"code", "message"}}.
public struct APIServer: Sendable {
    public let queue: RedisJobQueue
    public let tokens: APITokens
    public var maxBodyBytes = JobSpecParser.defaultMaxBytes
    /// Connections idle this long are closed (a slow or stuck client cannot hold one for ever).
    public var idleTimeout: Duration = .seconds(75)
    /// A request's header must be complete this long after its first byte (and a connection's first
    /// request this long after it connects).
    public var headerTimeout: Duration = .seconds(10)
    /// Connections served at once; more wait in the kernel's backlog. Below the descriptor limit, so
    /// running out of descriptors never happens here (at EMFILE the accept loop spun at a full core).
    public var maxConnections = 4096
    public var accessLog = true
    /// Output streams open at once on this replica (each holds a Redis connection).
    public var maxStreams = 1000
    /// Output streams one tenant may hold open at once on this replica, so one cannot starve the rest.
    public var maxStreamsPerTenant = 100
    /// Queues a token may use when its grant names none.
    public var defaultQueues = [JobSpec.defaultQueue]
    let requestMetrics = RequestMetrics()

    public init(queue: RedisJobQueue, tokens: APITokens) {
        self.queue = queue
        self.tokens = tokens
    }

    /// The served routes, as OpenAPI writes them: /openapi.json must document exactly these.
    public static let routes: [(method: String, path: String)] = [
        ("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/metrics"), ("GET", "/openapi.json"),
        ("POST", "/v1/jobs"), ("GET", "/v1/jobs"), ("GET", "/v1/jobs/{id}"), ("DELETE", "/v1/jobs/{id}"),
        ("POST", "/v1/jobs/{id}/requeue"), ("POST", "/v1/jobs/{id}/cancel"), ("GET", "/v1/jobs/{id}/output"),
        ("GET", "/v1/queues"),
    ]

    /// The methods the routes take at `path` (empty when no route has that shape): a known path with
    /// another method is 405 with Allow, not 404.
    static func allowedMethods(path: String) -> [String] {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        return routes.filter { route in
            let template = route.path.split(separator: "/", omittingEmptySubsequences: false)
            return template.count == parts.count && zip(template, parts).allSatisfy { t, p in t == p || (t.hasPrefix("{") && !p.isEmpty) }
        }.map(\.method)
    }

    /// Serves until SIGTERM or SIGINT, which stop taking connections, let requests in flight finish
    /// and end event streams. The one entry point a program needs: it never sees the framework.
    public func run(host: String, port: Int, logger: Logger,
                    onListening: @escaping @Sendable (String, Int) async -> Void = { _, _ in }) async throws {
        try await application(host: host, port: port, logger: logger, onListening: onListening).runService()
    }

    /// `onListening` gets the bound address (port 0 asks the kernel for a free port).
    public func application(host: String, port: Int, logger: Logger,
                            onListening: @escaping @Sendable (String, Int) async -> Void = { _, _ in }) -> some ApplicationProtocol {
        let idle = TimeAmount(idleTimeout), header = TimeAmount(headerTimeout)
        return Application(router: router(),
                           server: .http1(configuration: .init(additionalChannelHandlers: [HeaderArrival(timeout: header)], idleTimeout: idle)),
                           configuration: .init(address: .hostname(host, port: port), serverName: "swissagent",
                                                availableConnectionsDelegate: MaximumAvailableConnections(maxConnections)),
                           onServerRunning: { channel in await onListening(host, channel.localAddress?.port ?? port) },
                           logger: logger)
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        let streams = StreamSlots(limit: maxStreams, perTenant: maxStreamsPerTenant)
        router.add(middleware: AccessLog(metrics: requestMetrics, enabled: accessLog))
        router.get("/healthz") { _, _ in APIResponse.json(.ok, ["status": "ok"]) }
        router.get("/readyz") { _, _ in
            do {
                try await queue.client.call("PING")
                return APIResponse.json(.ok, ["status": "ready"])
            } catch {
                return APIResponse.error(.serviceUnavailable, "redis_unreachable", "\(error)")
            }
        }
        router.get("/metrics") { _, _ in
            do {
                return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                                body: ResponseBody(byteBuffer: ByteBuffer(string: try await metricsPage())))
            } catch let e as RedisError {
                return APIResponse.error(.serviceUnavailable, "redis_unavailable", e.description)
            }
        }
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
        router.post("/v1/jobs") { request, _ in try await authorized(request) { try await submit(request, $0) } }
        router.get("/v1/jobs") { request, _ in try await authorized(request) { try await list(request, $0) } }
        router.get("/v1/jobs/:id") { request, context in try await authorized(request) { try await show(context.parameters.get("id"), $0) } }
        router.delete("/v1/jobs/:id") { request, context in try await authorized(request) { try await delete(context.parameters.get("id"), $0) } }
        router.post("/v1/jobs/:id/requeue") { request, context in
            try await authorized(request) { try await requeue(context.parameters.get("id"), $0) }
        }
        router.post("/v1/jobs/:id/cancel") { request, context in
            try await authorized(request) { try await cancel(context.parameters.get("id"), $0) }
        }
        router.get("/v1/jobs/:id/output") { request, context in
            try await authorized(request) { scope in
                guard let job = try await visibleJob(context.parameters.get("id"), scope) else { return APIResponse.notFound() }
                return outputEvents(job.id, after: HTTPField.Name("Last-Event-ID").flatMap { request.headers[$0] } ?? "", slots: streams,
                                    tenant: scope.grant.tenant)
            }
        }
        router.get("/v1/queues") { request, _ in try await authorized(request) { try await queues($0) } }
        return router
    }

    /// Runs the handler for a request with a valid bearer token; 401 otherwise. Redis errors are 503.
    func authorized(_ request: Request, _ body: (TenantScope) async throws -> Response) async throws -> Response {
        guard let grant = tokens.grant(for: request.headers[.authorization]) else {
            var response = APIResponse.error(.unauthorized, "unauthorized", "a valid bearer token is required")
            response.headers[.wwwAuthenticate] = "Bearer"
            return response
        }
        do {
            return try await body(TenantScope(grant: grant, defaultQueues: defaultQueues))
        } catch let e as RedisError {
            return APIResponse.error(.serviceUnavailable, "redis_unavailable", e.description)
        }
    }
}

extension TimeAmount {
    init(_ d: Duration) { self = .nanoseconds(d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000) }
}
