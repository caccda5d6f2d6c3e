import AgentCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Operations

/// Every response body the API writes: JSON, and errors as {"error": {"code", "message"}}.
enum APIResponse {
    static func json(_ status: HTTPResponse.Status, _ value: JSONValue) -> Response {
        Response(status: status, headers: [.contentType: "application/json"],
                 body: ResponseBody(byteBuffer: ByteBuffer(bytes: JSONWriter.write(value))))
    }

    static func json(_ status: HTTPResponse.Status, _ value: [String: JSONValue]) -> Response { json(status, .object(value)) }

    static func error(_ status: HTTPResponse.Status, _ code: String, _ message: String) -> Response {
        json(status, .object(["error": .object(["code": .string(code), "message": .string(message)])]))
    }

    static func notFound() -> Response { error(.notFound, "not_found", "no such job") }

    /// An action the job's state refused (409), or a job that is gone (404), with the words every surface uses.
    static func refusal(_ outcome: ActionOutcome) -> Response {
        switch outcome.kind {
        case .notFound: notFound()
        case .invalid: error(.badRequest, outcome.code, outcome.message)
        default: error(.conflict, outcome.code, outcome.message)
        }
    }

    /// Errors thrown below the handlers (no such route, a malformed request) as JSON too.
    static func error(for e: HTTPError) -> Response {
        switch e.status {
        case .notFound: error(.notFound, "no_route", "no such route: see /openapi.json")
        case .methodNotAllowed: error(.methodNotAllowed, "method_not_allowed", "this route does not take that method: see /openapi.json")
        default: error(e.status, e.status.reasonPhrase.lowercased().replacingOccurrences(of: " ", with: "_"),
                       e.body ?? e.status.reasonPhrase)
        }
    }
}
