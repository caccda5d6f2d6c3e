import CHiredis
import CRedisSocket
import Foundation

/// One connection, connected and authenticated: its own socket (`CRedisSocket`), and hiredis for
/// the protocol (its command formatter and its reply reader). The only type that touches either.
/// Not thread-safe and not Sendable: `RedisClient` confines each one to its own serial queue.
/// After any I/O error (a timeout too: a reply may be half read) this object must be dropped.
final class RedisConnection {
    private let socket: OpaquePointer
    private let reader: UnsafeMutablePointer<redisReader>
    let address: String
    private var currentTimeoutMs: Int64
    /// Where replies are read into before the reader parses them.
    private var buffer = [UInt8](repeating: 0, count: 64 << 10)

    init(_ config: RedisConfig) throws(RedisError) {
        address = config.address
        var why = [CChar](repeating: 0, count: 256)
        let ms = Int32(clamping: Int64(config.connectTimeout * 1000))
        let (host, port): (String, Int32) = switch config.endpoint {
        case .tcp(let host, let port): (host, Int32(port))
        case .unix(let path): (path, -1)
        }
        if port > 0 { RedisHostsSeen.saw(HostPort(host: host, port: Int(port))) }
        let sock: OpaquePointer? = if let tls = config.tls {
            swissagent_rsock_connect_tls(host, port, ms, tls.caFile, tls.certFile, tls.keyFile, tls.serverName, tls.insecure ? 1 : 0,
                                         &why, why.count)
        } else {
            swissagent_rsock_connect(host, port, ms, nil, &why, why.count)
        }
        guard let sock else { throw RedisError.unreachable(config.address, Self.text(why)) }
        guard let reader = redisReaderCreate() else {
            swissagent_rsock_close(sock)
            throw RedisError.unreachable(config.address, "out of memory")
        }
        socket = sock
        self.reader = reader
        currentTimeoutMs = Int64(config.commandTimeout * 1000)
        // A throw below, after every property is set, runs deinit, which closes the socket.
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

    deinit {
        redisReaderFree(reader)
        swissagent_rsock_close(socket)
    }

    /// For tests: an unrelated OpenSSL error left on the calling thread, as libcurl may leave one.
    static func leaveStaleTLSErrorOnThisThread() { swissagent_rsock_test_leave_stale_error() }

    /// Socket timeout for the next replies; blocking commands raise it above their own block time.
    func setTimeout(ms: Int64) { currentTimeoutMs = ms }

    /// Sends every command, then reads one reply for each (pipelining). Binary-safe.
    func send(_ commands: [[[UInt8]]]) throws(RedisError) -> [RedisReply] {
        var out: [UInt8] = []
        for command in commands {
            var formatted: UnsafeMutablePointer<CChar>?
            let n = Self.withArgv(command) { argc, argv, lens in redisFormatCommandArgv(&formatted, argc, argv, lens) }
            guard n > 0, let formatted else { throw .protocolError("cannot format a command of \(command.count) arguments") }
            formatted.withMemoryRebound(to: UInt8.self, capacity: Int(n)) { out.append(contentsOf: UnsafeBufferPointer(start: $0, count: Int(n))) }
            redisFreeCommand(formatted)
        }
        var why = [CChar](repeating: 0, count: 256)
        let wrote = swissagent_rsock_write(socket, out, out.count, timeoutMs, &why, why.count)
        if wrote != 0 { throw failure(wrote, why) }
        var replies: [RedisReply] = []
        replies.reserveCapacity(commands.count)
        while replies.count < commands.count {
            var raw: UnsafeMutableRawPointer?
            guard redisReaderGetReply(reader, &raw) == REDIS_OK else { throw .protocolError(String(cString: chiredis_reader_errstr(reader))) }
            if let raw {
                let reply = raw.assumingMemoryBound(to: redisReply.self)
                replies.append(Self.copy(reply, depth: 0))
                freeReplyObject(raw)  // frees the whole tree; sub-replies must never be freed alone
                continue
            }
            // The next reply is not all here yet: read more.
            let got = buffer.withUnsafeMutableBytes { swissagent_rsock_read(socket, $0.baseAddress, $0.count, timeoutMs, &why, why.count) }
            if got <= 0 { throw failure(got == 0 ? -1 : Int32(got), why) }
            let fed = buffer.withUnsafeBytes { b in
                b.withMemoryRebound(to: CChar.self) { redisReaderFeed(reader, $0.baseAddress, Int(got)) }
            }
            guard fed == REDIS_OK else { throw .protocolError(String(cString: chiredis_reader_errstr(reader))) }
        }
        return replies
    }

    private var timeoutMs: Int32 { Int32(clamping: max(1, currentTimeoutMs)) }

    /// -2: a timeout; anything else: the connection is gone.
    private func failure(_ code: Int32, _ why: [CChar]) -> RedisError {
        code == -2 ? .timeout(address, Double(currentTimeoutMs) / 1000) : .connectionLost(address, Self.text(why))
    }

    private static func text(_ chars: [CChar]) -> String {
        let s = String(decoding: chars.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return s.isEmpty ? "unknown error" : s
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
