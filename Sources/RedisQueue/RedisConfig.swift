import Foundation

/// Where and how to reach Redis, parsed from `redis://[[user]:password@]host[:port][/db]` or
/// `unix:///path/to/socket[?db=N]`. Timeouts are seconds.
public struct RedisConfig: Sendable, Equatable {
    public enum Endpoint: Sendable, Equatable {
        case tcp(host: String, port: Int)
        case unix(path: String)
    }

    public var endpoint: Endpoint
    public var username: String?
    public var password: String?
    public var database: Int
    public var connectTimeout: Double
    public var commandTimeout: Double

    public init(endpoint: Endpoint, username: String? = nil, password: String? = nil, database: Int = 0,
                connectTimeout: Double = 2, commandTimeout: Double = 5) {
        self.endpoint = endpoint
        self.username = username
        self.password = password
        self.database = database
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
    }

    public init(url: String) throws(RedisError) {
        guard let comps = URLComponents(string: url), let scheme = comps.scheme?.lowercased() else {
            throw RedisError.badURL(url, "expected redis://host:port/db or unix:///path")
        }
        var db = 0
        switch scheme {
        case "redis":
            let host = comps.host.flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1"
            let port = comps.port ?? 6379
            guard (1...65535).contains(port) else { throw RedisError.badURL(url, "port \(port) is out of range") }
            let path = comps.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
            if !path.isEmpty {
                guard let n = Int(path), n >= 0 else { throw RedisError.badURL(url, "database \"\(path)\" is not a number") }
                db = n
            }
            endpoint = .tcp(host: host, port: port)
        case "unix":
            guard !comps.path.isEmpty else { throw RedisError.badURL(url, "missing socket path") }
            if let q = comps.queryItems?.first(where: { $0.name == "db" })?.value {
                guard let n = Int(q), n >= 0 else { throw RedisError.badURL(url, "database \"\(q)\" is not a number") }
                db = n
            }
            endpoint = .unix(path: comps.path)
        default:
            throw RedisError.badURL(url, "unsupported scheme \"\(scheme)\" (use redis:// or unix://)")
        }
        let user = comps.percentEncodedUser.flatMap { $0.removingPercentEncoding }
        username = (user?.isEmpty ?? true) ? nil : user
        password = comps.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        database = db
        connectTimeout = 2
        commandTimeout = 5
    }

    /// Host and port (or socket path) for messages; never the password.
    public var address: String {
        switch endpoint {
        case .tcp(let host, let port): "\(host):\(port)"
        case .unix(let path): path
        }
    }

    /// The URL without its password, safe for logs and the console.
    public var redactedURL: String {
        let auth = password != nil ? "\(username ?? ""):***@" : ""
        switch endpoint {
        case .tcp: return "redis://\(auth)\(address)/\(database)"
        case .unix(let path): return "unix://\(path)?db=\(database)"
        }
    }
}
