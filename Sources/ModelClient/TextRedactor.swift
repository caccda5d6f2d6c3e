import AgentCore
import Foundation

/// Streamed text passed on without any secret of the process (`StreamingRedactor`), for a callback
/// curl's thread calls. `@unchecked Sendable`: `redactor` is only touched while holding `lock`.
final class TextRedactor: @unchecked Sendable {
    private let lock = NSLock()
    private var redactor = StreamingRedactor()
    private let onText: @Sendable (String) -> Void

    init(_ onText: @escaping @Sendable (String) -> Void) { self.onText = onText }

    func feed(_ piece: String) {
        let safe = lock.withLock { redactor.feed(piece) }
        if !safe.isEmpty { onText(safe) }
    }

    /// Lets go of what was held back at the end of a reply.
    func finish() {
        let rest = lock.withLock { redactor.finish() }
        if !rest.isEmpty { onText(rest) }
    }
}
