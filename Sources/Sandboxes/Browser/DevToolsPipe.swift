import AgentCore
import Foundation

/// Chromium's DevTools protocol over `--remote-debugging-pipe`: JSON messages ended by a NUL byte,
/// written to the browser's descriptor 3 and read from its descriptor 4 (locally, pipes of this
/// process; in E2B, the browser process's stdin and stdout through envd). No port is opened, so
/// nothing but this worker can drive the browser. Replies are matched to calls by id; of the events
/// only a page's crash matters (the driver asks the page what else it needs): it fails that page's
/// calls at once. Every call has a deadline, and a message bigger than `maxMessage` ends the
/// connection rather than the worker's memory.
/// `@unchecked Sendable`: `nextID`, `waiting`, `crashed` and `ended` are only touched while holding `lock`.
final class DevToolsPipe: @unchecked Sendable {
    /// A full-page screenshot of a long page is the biggest message there is.
    static let maxMessage = 64 << 20

    private let send: @Sendable (Data) async throws -> Void
    private let onClose: @Sendable () -> Void
    private let lock = NSLock()
    /// Bytes of a message not yet ended, and how far they were searched for its end.
    private var buffer = Data()
    private var nextID = 0
    private var waiting: [Int: (continuation: CheckedContinuation<JSONValue, any Error>, session: String?)] = [:]
    private var crashed = Set<String>()
    private var ended: String?

    static let crash = "the page crashed: it ran past its memory limit (each browser process has the step's memory limit), or failed otherwise"

    /// Whether the page of `session` has crashed.
    func hasCrashed(_ session: String) -> Bool { lock.withLock { crashed.contains(session) } }

    /// `send` writes one whole message; what the browser writes comes to `receive`, its end to `close`.
    init(send: @escaping @Sendable (Data) async throws -> Void, onClose: @escaping @Sendable () -> Void = {}) {
        self.send = send
        self.onClose = onClose
    }

    /// Over two pipes of this process: a thread of its own blocks on reading, so no Swift thread ever does.
    static func overHandles(toBrowser: FileHandle, fromBrowser: FileHandle) -> DevToolsPipe {
        let pipe = DevToolsPipe(send: { try toBrowser.write(contentsOf: $0) }, onClose: { try? toBrowser.close() })
        Thread.detachNewThread {
            while true {
                let chunk = fromBrowser.availableData
                if chunk.isEmpty { break }
                pipe.receive(chunk)
            }
            pipe.close("the browser is gone")
        }
        return pipe
    }

    /// Calls `method` (on a page's `session`, or the browser's) and returns its result.
    func call(_ method: String, _ params: [String: JSONValue] = [:], session: String? = nil, timeout: Double) async throws -> JSONValue {
        let id = lock.withLock { () -> Int in nextID += 1; return nextID }
        var message: [String: JSONValue] = ["id": .number(Double(id)), "method": .string(method), "params": .object(params)]
        if let session { message["sessionId"] = .string(session) }
        let bytes = JSONWriter.write(.object(message)) + [0]
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<JSONValue, any Error>) in
                let refused: BrowserError? = lock.withLock {
                    if let ended { return BrowserError(ended) }
                    if let session, crashed.contains(session) { return BrowserError(Self.crash, crashed: true) }
                    waiting[id] = (c, session)
                    return nil
                }
                if let refused { c.resume(throwing: refused); return }
                let send = send
                Task {
                    do { try await send(Data(bytes)) } catch {
                        finish(id, .failure(BrowserError("the browser is gone (\(method) could not be sent: \(error))")))
                    }
                }
                DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { [self] in
                    finish(id, .failure(BrowserError("\(method) had no answer within \(Self.seconds(timeout)) s")))
                }
            }
        } onCancel: {
            finish(id, .failure(CancellationError()))
        }
    }

    /// Fails every call under way and every later one with `why`.
    func close(_ why: String) {
        let pending: [CheckedContinuation<JSONValue, any Error>] = lock.withLock {
            if ended == nil { ended = why }
            defer { waiting = [:] }
            return waiting.values.map(\.continuation)
        }
        for c in pending { c.resume(throwing: BrowserError(why)) }
        onClose()
    }

    private func finish(_ id: Int, _ result: Result<JSONValue, any Error>) {
        guard let c = lock.withLock({ waiting.removeValue(forKey: id) }) else { return }
        c.continuation.resume(with: result)
    }

    /// What the browser wrote next, however it is cut: each message it completes is delivered.
    func receive(_ chunk: Data) {
        let (messages, tooBig): ([Data], Bool) = lock.withLock {
            // Only the new bytes are searched for the end of a message: a big one comes in many chunks.
            var searchFrom = buffer.count
            buffer.append(chunk)
            var out: [Data] = []
            while let end = buffer[(buffer.startIndex + searchFrom)...].firstIndex(of: 0) {
                out.append(Data(buffer[buffer.startIndex..<end]))
                buffer = Data(buffer[buffer.index(after: end)...])
                searchFrom = 0
            }
            return (out, buffer.count > Self.maxMessage)
        }
        for m in messages { deliver(m) }
        if tooBig { close("the browser sent a message over \(Self.maxMessage) bytes") }
    }

    private func deliver(_ message: Data) {
        guard let value = try? JSONValue.parse(message) else { return }
        if value["method"]?.stringValue == "Inspector.targetCrashed", let session = value["sessionId"]?.stringValue {
            let failed: [CheckedContinuation<JSONValue, any Error>] = lock.withLock {
                crashed.insert(session)
                let ids = waiting.filter { $0.value.session == session }.map(\.key)
                return ids.compactMap { waiting.removeValue(forKey: $0)?.continuation }
            }
            for c in failed { c.resume(throwing: BrowserError(Self.crash, crashed: true)) }
            return
        }
        guard let id = value["id"]?.numberValue.flatMap({ Int(exactly: $0) }) else { return }
        if let error = value["error"] {
            let said = error["message"]?.stringValue ?? error.jsonString()
            finish(id, .failure(BrowserError(String(said.prefix(500)))))
        } else {
            finish(id, .success(value["result"] ?? .object([:])))
        }
    }

    static func seconds(_ s: Double) -> String { s == s.rounded() ? String(Int(s)) : String(format: "%.1f", s) }
}
