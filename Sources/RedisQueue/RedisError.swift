/// What went wrong talking to Redis, worded for the person reading the log.
public enum RedisError: Error, Sendable, Equatable, CustomStringConvertible {
    case badURL(String, String)
    /// Could not connect (or authenticate): address and reason.
    case unreachable(String, String)
    /// The connection broke during a command; the command may or may not have run.
    case connectionLost(String, String)
    case timeout(String, Double)
    /// Redis answered with an error reply.
    case server(String)
    case protocolError(String)
    case unexpectedReply(String)
    /// A write reached the master but fewer replicas than asked confirmed it in time: address,
    /// confirmed, asked, seconds. It may be lost if the master fails now.
    case notReplicated(String, Int, Int, Double)

    public var description: String {
        switch self {
        case .badURL(let url, let why): "bad Redis URL \"\(url)\": \(why)"
        case .unreachable(let addr, let why): "cannot reach Redis at \(addr): \(why)"
        case .connectionLost(let addr, let why): "lost connection to Redis at \(addr): \(why); the command may not have run"
        case .timeout(let addr, let s): "Redis at \(addr) did not answer within \(s) s"
        case .server(let msg): "Redis error: \(msg)"
        case .protocolError(let msg): "Redis protocol error: \(msg)"
        case .unexpectedReply(let what): "unexpected reply from Redis: \(what)"
        case .notReplicated(let addr, let got, let asked, let s):
            "Redis at \(addr): \(got) of \(asked) replica(s) confirmed the write within \(s) s (--redis-replicas); it may be lost on a failover, so it is not reported done"
        }
    }

    /// True when the connection itself failed, so the caller should back off and try again.
    public var isConnectionError: Bool {
        switch self {
        case .unreachable, .connectionLost, .timeout, .notReplicated: true
        default: false
        }
    }
}
