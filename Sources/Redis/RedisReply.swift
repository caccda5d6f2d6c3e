/// A reply copied out of hiredis (RESP2), owned by Swift.
public enum RedisReply: Sendable, Equatable {
    case string([UInt8])
    case status(String)
    case integer(Int)
    case array([RedisReply])
    case null
    case error(String)

    public var text: String? {
        switch self {
        case .string(let b): String(decoding: b, as: UTF8.self)
        case .status(let s): s
        case .integer(let i): String(i)
        default: nil
        }
    }

    public var int: Int? {
        switch self {
        case .integer(let i): i
        case .string, .status: text.flatMap { Int($0) }
        default: nil
        }
    }

    public var double: Double? { text.flatMap { Double($0) } }
    public var isError: Bool { if case .error = self { true } else { false } }
    /// A replica's refusal of a write: the server is no longer the master.
    var isReadOnlyError: Bool { if case .error(let m) = self { m.hasPrefix("READONLY") } else { false } }
    public var array: [RedisReply]? { if case .array(let a) = self { a } else { nil } }
    public var isNull: Bool { self == .null }

    /// Array of texts, skipping nils.
    public var texts: [String] { array?.compactMap(\.text) ?? [] }

    /// Throws the server's error reply as a Swift error.
    @discardableResult
    public func orThrow() throws(RedisError) -> RedisReply {
        if case .error(let msg) = self { throw RedisError.server(msg) }
        return self
    }
}
