import AgentCore
import HTTPTypes
import Hummingbird
import NIOCore
import Operations

/// What a route's handler gets.
struct RouteCall {
    let server: APIServer
    let request: Request
    let context: BasicRequestContext
    let streams: StreamSlots

    var id: String? { context.parameters.get("id") }

    /// The handler behind a bearer token.
    func authorized(_ body: (TenantScope) async throws -> Response) async throws -> Response {
        try await server.authorized(request, body)
    }
}

/// The one route table: the router is built from it, 405's Allow is read from it, and
/// /openapi.json must document exactly these (a test holds the two together).
struct APIRoute: Sendable {
    let method: HTTPRequest.Method
    /// As OpenAPI writes it: `/v1/jobs/{id}`.
    let path: String
    let handle: @Sendable (RouteCall) async throws -> Response

    /// The path as the router matches it: `/v1/jobs/:id`.
    /// `{path}` (a file's path in a job's files, slashes and all) takes the rest of the URL.
    var routerPath: String {
        path.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0 == "{path}" ? "**" : $0.hasPrefix("{") && $0.hasSuffix("}") ? ":" + $0.dropFirst().dropLast() : $0 }.joined(separator: "/")
    }

    static let table: [APIRoute] = [
        APIRoute(method: .get, path: "/healthz") { _ in APIResponse.json(.ok, ["status": "ok"]) },
        APIRoute(method: .get, path: "/readyz") { call in
            do {
                try await call.server.queue.ping()
                return APIResponse.json(.ok, ["status": "ready"])
            } catch {
                return APIResponse.error(.serviceUnavailable, "redis_unreachable", "\(error)")
            }
        },
        APIRoute(method: .get, path: "/metrics") { call in
            do {
                return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                                body: ResponseBody(byteBuffer: ByteBuffer(string: try await call.server.metricsPage())))
            } catch let e as any QueueUnavailable {
                return APIResponse.error(.serviceUnavailable, "redis_unavailable", e.description)
            }
        },
        APIRoute(method: .get, path: "/openapi.json") { _ in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: ResponseBody(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.bytes)))
        },
        APIRoute(method: .post, path: "/v1/jobs") { call in try await call.authorized { try await call.server.submit(call.request, $0) } },
        APIRoute(method: .get, path: "/v1/jobs") { call in try await call.authorized { try await call.server.list(call.request, $0) } },
        APIRoute(method: .get, path: "/v1/jobs/{id}") { call in try await call.authorized { try await call.server.show(call.id, $0) } },
        APIRoute(method: .delete, path: "/v1/jobs/{id}") { call in try await call.authorized { try await call.server.delete(call.id, $0) } },
        APIRoute(method: .post, path: "/v1/jobs/{id}/requeue") { call in
            try await call.authorized { try await call.server.requeue(call.id, $0) }
        },
        APIRoute(method: .post, path: "/v1/jobs/{id}/cancel") { call in
            try await call.authorized { try await call.server.cancel(call.id, $0) }
        },
        APIRoute(method: .post, path: "/v1/jobs/{id}/approve") { call in
            try await call.authorized { try await call.server.decide(call.id, call.request, $0, approve: true) }
        },
        APIRoute(method: .post, path: "/v1/jobs/{id}/deny") { call in
            try await call.authorized { try await call.server.decide(call.id, call.request, $0, approve: false) }
        },
        APIRoute(method: .post, path: "/v1/jobs/{id}/fork") { call in
            try await call.authorized { try await call.server.fork(call.id, call.request, $0) }
        },
        APIRoute(method: .get, path: "/v1/jobs/{id}/files") { call in
            try await call.authorized { try await call.server.files(call.id, $0) }
        },
        APIRoute(method: .get, path: "/v1/jobs/{id}/files/{path}") { call in
            try await call.authorized { try await call.server.file(call.id, path: call.context.parameters.getCatchAll().joined(separator: "/"), $0) }
        },
        APIRoute(method: .get, path: "/v1/jobs/{id}/output") { call in
            try await call.authorized { scope in
                guard let job = try await scope.visibleJob(call.id, on: call.server.queue) else { return APIResponse.notFound() }
                let after = HTTPField.Name("Last-Event-ID").flatMap { call.request.headers[$0] } ?? ""
                return call.server.outputEvents(job.id, after: after, slots: call.streams, tenant: scope.tenant ?? "")
            }
        },
        APIRoute(method: .get, path: "/v1/queues") { call in try await call.authorized { try await call.server.queues($0) } },
    ]
}

extension APIServer {
    /// The served routes as (method, path), for the test that holds them to the document.
    public static var routes: [(method: String, path: String)] { APIRoute.table.map { ($0.method.rawValue, $0.path) } }
}
