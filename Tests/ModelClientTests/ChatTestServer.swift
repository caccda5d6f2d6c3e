import Foundation
@testable import ModelClient
import TestServers

extension ChatSession {
    /// The endpoint of this session (its base URL ends in /v1, as people configure it).
    func endpoint(stream: Bool = true, key: String? = "sk-test-secret-0123") -> ChatEndpoint {
        ChatEndpoint(name: "test", baseURL: baseURL, model: "test-model", apiKey: key, stream: stream)
    }
}

/// Text handed to `onText`, in order. `@unchecked Sendable`: all access holds `lock`.
final class TextPieces: @unchecked Sendable {
    private let lock = NSLock()
    private var pieces: [String] = []
    func add(_ s: String) { lock.withLock { pieces.append(s) } }
    var all: [String] { lock.withLock { pieces } }
}
