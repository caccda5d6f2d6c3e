import AgentCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Wraps every request: turns errors thrown below the handlers (no such route, a malformed request)
/// into JSON, records the request's metrics, and writes one access-log line. The line holds the
/// method, path (without the query), route, status and time: never a header, so never a token.
struct AccessLog<Context: RequestContext>: RouterMiddleware {
    let metrics: RequestMetrics
    let enabled: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch let e as HTTPError {
            let allowed = e.status == .notFound ? APIServer.allowedMethods(path: request.uri.path) : []
            if allowed.isEmpty {
                response = APIResponse.error(for: e)
            } else {
                response = APIResponse.error(.methodNotAllowed, "method_not_allowed",
                                             "\(request.uri.path) takes \(allowed.joined(separator: ", ")), not \(request.method.rawValue)")
                response.headers[.allow] = allowed.joined(separator: ", ")
            }
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)"])
            response = APIResponse.error(.internalServerError, "internal", "the server failed to answer: see its log")
        }
        let seconds = (ContinuousClock.now - start).seconds
        let route = context.endpointPath ?? "unmatched"
        metrics.record(method: request.method.rawValue, route: route, status: response.status.code, seconds: seconds)
        if enabled {
            context.logger.info("request", metadata: [
                "method": "\(request.method.rawValue)", "path": "\(request.uri.path)", "route": "\(route)",
                "status": "\(response.status.code)", "ms": "\(String(format: "%.2f", seconds * 1000))",
            ])
        }
        return response
    }
}
