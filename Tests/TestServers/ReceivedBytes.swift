import Foundation

/// The bytes a streamed response has delivered so far, so a test can wait for its first bytes
/// (the server has the stream open) instead of sleeping. `@unchecked Sendable`: `bytes` holds `lock`.
public final class ReceivedBytes: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes = Data()

    public init() {}

    public func add(_ data: Data) { lock.withLock { bytes.append(data) } }
    public var count: Int { lock.withLock { bytes.count } }
    public var text: String { lock.withLock { String(decoding: bytes, as: UTF8.self) } }
}
