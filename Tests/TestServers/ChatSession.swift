import Foundation
import HTTPClient

/// The scripted Chat Completions server (chat_test_server.py), started once per test process.
public enum ChatTestServer {
    public static let shared: Result<PythonTestServer, any Error> = Result {
        try PythonTestServer(script: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("chat_test_server.py").path,
                             name: "chat test server")
    }
}

/// One test's own script on the shared chat server.
public struct ChatSession: Sendable {
    public let base: String
    public let name = "s" + UUID().uuidString.prefix(12).lowercased()

    public init() throws { base = try ChatTestServer.shared.get().base }

    /// The base URL a client is configured with (ending in /v1).
    public var baseURL: String { "\(base)/\(name)/v1" }

    /// The answers the server gives, in order (see chat_test_server.py for their fields).
    public func script(_ answers: [[String: Any]]) async throws {
        let body = try JSONSerialization.data(withJSONObject: answers)
        let r = try await HTTPClient().send(HTTPRequest("POST", "\(base)/\(name)/_script", body: body))
        guard r.status == 204 else { throw TestServerError("scripting failed: \(r.status)") }
    }

    /// Lets a stream held by `hold_after` go on.
    public func release() async throws {
        let r = try await HTTPClient().send(HTTPRequest("POST", "\(base)/\(name)/_release"))
        guard r.status == 204 else { throw TestServerError("release failed: \(r.status)") }
    }

    /// What the client sent: each request's headers and body.
    public func requests() async throws -> [[String: Any]] {
        let r = try await HTTPClient().send(HTTPRequest("GET", "\(base)/\(name)/_requests"))
        return try JSONSerialization.jsonObject(with: r.body) as? [[String: Any]] ?? []
    }
}
