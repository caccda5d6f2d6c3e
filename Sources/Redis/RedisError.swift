/// What went wrong talking to Redis, worded for the person reading the log.
public enum RedisError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A URL that does not parse, with its password masked (see `badURL(_:why:)`), and why.
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

    /// A URL that does not parse: the error names it with any password masked, since a URL that
    /// failed to parse cannot be trusted to have been split where its password ends.
    /// The reason is masked too: a parser that split the URL in the wrong place may quote a piece
    /// of the password as a path or a port.
    static func badURL(_ url: String, why: String) -> RedisError {
        guard let (masked, secret) = maskedURL(url) else { return .badURL(url, why) }
        var reason = why.replacingOccurrences(of: secret, with: "***")
        for piece in secret.split(whereSeparator: { "/@:?#,".contains($0) }) where piece.count >= 3 {
            reason = reason.replacingOccurrences(of: piece, with: "***")
        }
        return .badURL(masked, reason)
    }

    /// `url` with everything between `scheme://[user]:` and the last `@` masked (a password may
    /// hold unencoded `/` or `@`; a userinfo without a colon is masked whole), and what was masked;
    /// nil when the URL has no userinfo.
    static func maskedURL(_ url: String) -> (String, String)? {
        guard let schemeEnd = url.range(of: "://"), let at = url[schemeEnd.upperBound...].lastIndex(of: "@") else { return nil }
        let userinfo = url[schemeEnd.upperBound..<at]
        let colon = userinfo.firstIndex(of: ":")
        let user = colon.map { userinfo[..<$0] + ":" } ?? ""
        let secret = colon.map { String(userinfo[userinfo.index(after: $0)...]) } ?? String(userinfo)
        return (url[..<schemeEnd.upperBound] + user + "***" + url[at...], secret)
    }

    /// Why, without the address: what a status line beside the address says.
    public var reason: String {
        switch self {
        case .unreachable(_, let why), .connectionLost(_, let why): why
        default: description
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
