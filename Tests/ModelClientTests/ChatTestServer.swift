import Foundation
import HTTPClient
import RedisTestSupport
@testable import ModelClient

/// The scripted Chat Completions server (chat_test_server.py), started once for these tests.
enum ChatTestServer {
    static let shared: Result<PythonTestServer, any Error> = Result {
        try PythonTestServer(script: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("chat_test_server.py").path,
                             name: "chat test server")
    }
}

/// One test's own script on the shared server.
struct ChatSession {
    let base: String
    let name = "s" + UUID().uuidString.prefix(12).lowercased()

    init() throws { base = "http://127.0.0.1:\(try ChatTestServer.shared.get().port)" }

    /// The endpoint of this session (its base URL ends in /v1, as people configure it).
    func endpoint(stream: Bool = true, key: String? = "sk-test-secret-0123") -> ChatEndpoint {
        ChatEndpoint(name: "test", baseURL: "\(base)/\(name)/v1", model: "test-model", apiKey: key, stream: stream)
    }

    /// The answers the server gives, in order (see chat_test_server.py for their fields).
    func script(_ answers: [[String: Any]]) async throws {
        let body = try JSONSerialization.data(withJSONObject: answers)
        let r = try await HTTPClient().send(HTTPRequest("POST", "\(base)/\(name)/_script", body: body))
        guard r.status == 204 else { throw TestServerError("scripting failed: \(r.status)") }
    }

    /// What the client sent: each request's headers and body.
    func requests() async throws -> [[String: Any]] {
        let r = try await HTTPClient().send(HTTPRequest("GET", "\(base)/\(name)/_requests"))
        return try JSONSerialization.jsonObject(with: r.body) as? [[String: Any]] ?? []
    }
}

/// Text handed to `onText`, in order. `@unchecked Sendable`: all access holds `lock`.
final class TextPieces: @unchecked Sendable {
    private let lock = NSLock()
    private var pieces: [String] = []
    func add(_ s: String) { lock.withLock { pieces.append(s) } }
    var all: [String] { lock.withLock { pieces } }
}
