import AgentCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

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

    /// Errors thrown below the handlers (no such route, a malformed request) as JSON too.
    static func error(for e: HTTPError) -> Response {
        switch e.status {
        case .notFound: error(.notFound, "no_route", "no such route: see /openapi.json")
        case .methodNotAllowed: error(.methodNotAllowed, "method_not_allowed", "this route does not take that method: see /openapi.json")
        default: error(e.status, e.status.reasonPhrase.lowercased().replacingOccurrences(of: " ", with: "_"),
                       e.body ?? e.status.reasonPhrase)
        }
    }

    /// The job as its client sees it: `id` is the id the client knows (without its tenant's prefix).
    static func job(_ job: JobRecord, id: String) -> JSONValue {
        var spec = (try? JSONValue.parse(Data(job.specJSON.utf8))) ?? .null
        if case .object(var fields) = spec, fields["id"] != nil {
            fields["id"] = .string(id)
            spec = .object(fields)
        }
        return .object([
            "id": .string(id), "queue": .string(job.queue), "state": .string(job.state.rawValue),
            "attempts": .number(Double(job.attempts)), "max_attempts": .number(Double(job.maxAttempts)),
            "error": job.lastError.map { .string($0) } ?? .null, "result": job.result.map { .string($0) } ?? .null,
            "spec": spec,
            "steps": .array(job.steps.map { s in
                .object(["tool": .string(s.tool), "status": .string(s.status.rawValue), "seconds": s.seconds.map { .number($0) } ?? .null,
                         "exit_code": s.exitCode.map { .number(Double($0)) } ?? .null])
            }),
        ])
    }
}
