import AgentCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import Operations

/// The HTTP API: jobs in, jobs out, per tenant. Every error is JSON: {"error": {"code", "message"}}.
public struct APIServer: Sendable {
    public let queue: any JobQueue
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
    /// Jobs' files (the artifact store); without it the files routes answer that none are kept.
    public var files: JobFiles?

    public init(queue: any JobQueue, tokens: APITokens) {
        self.queue = queue
        self.tokens = tokens
    }

    /// The methods the routes take at `path` (empty when no route has that shape): a known path with
    /// another method is 405 with Allow, not 404.
    static func allowedMethods(path: String) -> [String] {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        return APIRoute.table.filter { route in
            let template = route.path.split(separator: "/", omittingEmptySubsequences: false)
            return template.count == parts.count && zip(template, parts).allSatisfy { t, p in t == p || (t.hasPrefix("{") && !p.isEmpty) }
        }.map(\.method.rawValue)
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
        for route in APIRoute.table {
            router.on(RouterPath(route.routerPath), method: route.method) { request, context in
                try await route.handle(RouteCall(server: self, request: request, context: context, streams: streams))
            }
        }
        return router
    }

    /// Runs the handler for a request with a valid bearer token; 401 otherwise. A queue that cannot be reached is 503.
    func authorized(_ request: Request, _ body: (TenantScope) async throws -> Response) async throws -> Response {
        guard let grant = tokens.grant(for: request.headers[.authorization]) else {
            var response = APIResponse.error(.unauthorized, "unauthorized", "a valid bearer token is required")
            response.headers[.wwwAuthenticate] = "Bearer"
            return response
        }
        do {
            return try await body(TenantScope(tenant: grant.tenant, admin: grant.admin, queues: grant.queues, defaultQueues: defaultQueues))
        } catch let e as any QueueUnavailable {
            return APIResponse.error(.serviceUnavailable, "redis_unavailable", e.description)
        }
    }
}

extension TimeAmount {
    init(_ d: Duration) { self = .nanoseconds(d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000) }
}
