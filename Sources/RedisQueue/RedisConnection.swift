import CHiredis
import Foundation

/// One hiredis context, connected and authenticated. The only type that touches hiredis.
/// Not thread-safe and not Sendable: `RedisClient` confines each one to its own serial queue.
/// After any I/O error the context is dead (hiredis cannot reuse it) and this object must be dropped.
final class RedisConnection {
    private let context: UnsafeMutablePointer<redisContext>
    private let address: String
    private var currentTimeoutMs: Int64

    init(_ config: RedisConfig) throws(RedisError) {
        address = config.address
        let connectTV = chiredis_timeval_ms(Int64(config.connectTimeout * 1000))
        let ctx: UnsafeMutablePointer<redisContext>? = switch config.endpoint {
        case .tcp(let host, let port): redisConnectWithTimeout(host, Int32(port), connectTV)
        case .unix(let path): redisConnectUnixWithTimeout(path, connectTV)
        }
        guard let ctx else { throw RedisError.unreachable(config.address, "out of memory") }
        if ctx.pointee.err != 0 {
            let why = Self.describe(ctx)
            redisFree(ctx)
            throw RedisError.unreachable(config.address, why)
        }
        context = ctx
        currentTimeoutMs = Int64(config.commandTimeout * 1000)
        redisSetTimeout(ctx, chiredis_timeval_ms(currentTimeoutMs))
        // A throw below, after every property is set, runs deinit, which frees the context.
        if let password = config.password {
            let auth = config.username.map { ["AUTH", $0, password] } ?? ["AUTH", password]
            if case .error(let msg) = try send([auth.map { Array($0.utf8) }])[0] {
                throw RedisError.unreachable(config.address, "authentication failed: \(msg)")
            }
        }
        if config.database != 0 {
            if case .error(let msg) = try send([["SELECT", String(config.database)].map { Array($0.utf8) }])[0] {
                throw RedisError.unreachable(config.address, "cannot select database \(config.database): \(msg)")
            }
        }
    }

    deinit { redisFree(context) }

    /// Socket timeout for the next replies; blocking commands raise it above their own block time.
    func setTimeout(ms: Int64) {
        guard ms != currentTimeoutMs else { return }
        currentTimeoutMs = ms
        redisSetTimeout(context, chiredis_timeval_ms(ms))
    }

    /// Sends every command, then reads one reply for each (pipelining). Binary-safe.
    func send(_ commands: [[[UInt8]]]) throws(RedisError) -> [RedisReply] {
        for command in commands {
            let status = Self.withArgv(command) { argc, argv, lens in redisAppendCommandArgv(context, argc, argv, lens) }
            guard status == REDIS_OK else { throw failure() }
        }
        var replies: [RedisReply] = []
        replies.reserveCapacity(commands.count)
        for _ in commands {
            var raw: UnsafeMutableRawPointer?
            guard redisGetReply(context, &raw) == REDIS_OK, let raw else { throw failure() }
            let reply = raw.assumingMemoryBound(to: redisReply.self)
            replies.append(Self.copy(reply, depth: 0))
            freeReplyObject(raw)  // frees the whole tree; sub-replies must never be freed alone
        }
        return replies
    }

    private func failure() -> RedisError {
        let err = context.pointee.err
        let why = Self.describe(context)
        if err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK || why.contains("temporarily unavailable")) {
            return .timeout(address, Double(currentTimeoutMs) / 1000)
        }
        if err == REDIS_ERR_PROTOCOL { return .protocolError(why) }
        return .connectionLost(address, why)
    }

    private static func describe(_ ctx: UnsafeMutablePointer<redisContext>) -> String {
        let text = String(cString: chiredis_errstr(ctx))
        if text.isEmpty { return "error \(ctx.pointee.err)" }
        // "Connection refused" -> "connection refused", as the rest of the sentence is lower case.
        return text.prefix(1).lowercased() + text.dropFirst()
    }

    private static func copy(_ r: UnsafeMutablePointer<redisReply>, depth: Int) -> RedisReply {
        let reply = r.pointee
        switch reply.type {
        case REDIS_REPLY_STRING: return .string(bytes(reply.str, reply.len))
        case REDIS_REPLY_STATUS: return .status(String(decoding: bytes(reply.str, reply.len), as: UTF8.self))
        case REDIS_REPLY_ERROR: return .error(String(decoding: bytes(reply.str, reply.len), as: UTF8.self))
        case REDIS_REPLY_INTEGER: return .integer(Int(reply.integer))
        case REDIS_REPLY_NIL: return .null
        case REDIS_REPLY_ARRAY:
            guard depth < 32, let elements = reply.element else { return .array([]) }
            var out: [RedisReply] = []
            out.reserveCapacity(reply.elements)
            for i in 0..<reply.elements {
                if let e = elements[i] { out.append(copy(e, depth: depth + 1)) } else { out.append(.null) }
            }
            return .array(out)
        default:
            return .error("unsupported reply type \(reply.type)")
        }
    }

    private static func bytes(_ p: UnsafeMutablePointer<CChar>?, _ len: Int) -> [UInt8] {
        guard let p, len > 0 else { return [] }
        return p.withMemoryRebound(to: UInt8.self, capacity: len) { Array(UnsafeBufferPointer(start: $0, count: len)) }
    }

    /// Lays the arguments out as hiredis' argv/argvlen arrays for the duration of `body`.
    private static func withArgv(_ args: [[UInt8]],
                                 _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> Int32) -> Int32 {
        var flat: [UInt8] = []
        flat.reserveCapacity(args.reduce(0) { $0 + $1.count } + 1)
        var offsets: [Int] = []
        var lengths: [Int] = []
        for a in args {
            offsets.append(flat.count)
            lengths.append(a.count)
            flat.append(contentsOf: a)
        }
        flat.append(0)  // never empty, so every base address below exists
        return flat.withUnsafeBufferPointer { buf -> Int32 in
            guard let raw = buf.baseAddress else { return REDIS_ERR }
            let base = UnsafeRawPointer(raw).assumingMemoryBound(to: CChar.self)
            var argv: [UnsafePointer<CChar>?] = offsets.map { base + $0 }
            return argv.withUnsafeMutableBufferPointer { argvBuf -> Int32 in
                lengths.withUnsafeBufferPointer { lenBuf -> Int32 in
                    guard let a = argvBuf.baseAddress, let l = lenBuf.baseAddress else { return REDIS_ERR }
                    return body(Int32(args.count), a, l)
                }
            }
        }
    }
}
