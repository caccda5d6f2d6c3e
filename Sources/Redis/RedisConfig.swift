import AgentCore
import Foundation

/// Where and how to reach Redis, parsed from `redis://[[user]:password@]host[:port][/db]`,
/// `unix:///path/to/socket[?db=N]`, `redis-sentinel://h1:26379,h2:26379/MASTER[/db]` or
/// `redis-cluster://h1:6379,h2:6379` (an `s` after `redis` for TLS). Timeouts are seconds.
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
    /// TLS (`rediss://`), verified unless `insecure`.
    public var tls: TLS?
    /// One server (`endpoint`), a master found through sentinels, or a cluster.
    public var topology: Topology = .direct
    /// Replicas that must hold each write before it is reported done (`WAIT`); 0 = don't wait.
    public var replicas = 0
    /// How long a write waits for those replicas before it fails as not replicated.
    public var replicaTimeout: Double = 1

    public struct TLS: Sendable, Equatable {
        public var caFile: String?
        public var certFile: String?
        public var keyFile: String?
        /// The name the server's certificate must carry (default: the host).
        public var serverName: String?
        /// Skips verifying the server (tests only; said in the log).
        public var insecure = false

        public init(caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil, serverName: String? = nil, insecure: Bool = false) {
            self.caFile = caFile
            self.certFile = certFile
            self.keyFile = keyFile
            self.serverName = serverName
            self.insecure = insecure
        }

        /// From `REDIS_TLS_CA_FILE`, `REDIS_TLS_CERT_FILE`, `REDIS_TLS_KEY_FILE`, `REDIS_TLS_SERVER_NAME`, `REDIS_TLS_INSECURE=1`.
        public init(environment env: [String: String]) {
            func value(_ k: String) -> String? { env[k].flatMap { $0.isEmpty ? nil : $0 } }
            self.init(caFile: value("REDIS_TLS_CA_FILE"), certFile: value("REDIS_TLS_CERT_FILE"), keyFile: value("REDIS_TLS_KEY_FILE"),
                      serverName: value("REDIS_TLS_SERVER_NAME"), insecure: env["REDIS_TLS_INSECURE"] == "1")
        }
    }

    public init(endpoint: Endpoint, username: String? = nil, password: String? = nil, database: Int = 0,
                connectTimeout: Double = 2, commandTimeout: Double = 5) {
        self.endpoint = endpoint
        self.username = username
        self.password = password
        self.database = database
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
    }

    /// `environment`: where a `rediss://` URL's TLS settings come from.
    public init(url: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(RedisError) {
        if let lists = try Self.hostListURL(url, environment: environment) {
            self = lists
            return
        }
        guard let comps = URLComponents(string: url), let scheme = comps.scheme?.lowercased() else {
            throw RedisError.badURL(url, why: "expected redis://host:port/db, rediss://host:port/db or unix:///path")
        }
        var db = 0
        tls = nil
        switch scheme {
        case "redis", "rediss":
            if scheme == "rediss" { tls = TLS(environment: environment) }
            let host = comps.host.flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1"
            let port = comps.port ?? 6379
            guard (1...65535).contains(port) else { throw RedisError.badURL(url, why: "port \(port) is out of range") }
            let path = comps.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
            if !path.isEmpty {
                guard let n = Int(path), n >= 0 else { throw RedisError.badURL(url, why: "database \"\(path)\" is not a number") }
                db = n
            }
            endpoint = .tcp(host: host, port: port)
        case "unix":
            guard !comps.path.isEmpty else { throw RedisError.badURL(url, why: "missing socket path") }
            if let q = comps.queryItems?.first(where: { $0.name == "db" })?.value {
                guard let n = Int(q), n >= 0 else { throw RedisError.badURL(url, why: "database \"\(q)\" is not a number") }
                db = n
            }
            endpoint = .unix(path: comps.path)
        default:
            throw RedisError.badURL(url, why: "unsupported scheme \"\(scheme)\" (use redis://, rediss://, unix://, redis-sentinel:// or redis-cluster://)")
        }
        let user = comps.percentEncodedUser.flatMap { $0.removingPercentEncoding }
        username = (user?.isEmpty ?? true) ? nil : user
        password = comps.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        Secrets.register(password)
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

    /// Every host this configuration may connect to (to keep sandboxes away from them).
    public var hosts: [String] {
        let direct: [String] = if case .tcp(let host, _) = endpoint { [host] } else { [] }
        return switch topology {
        case .direct: direct
        case .sentinel(_, let sentinels, _): direct + sentinels.map(\.host)
        case .cluster(let seeds): seeds.map(\.host)
        }
    }

    /// The URL without its password, safe for logs and the console.
    public var redactedURL: String {
        let auth = password != nil ? "\(username ?? ""):***@" : ""
        let s = tls == nil ? "" : "s"
        switch topology {
        case .direct: break
        case .sentinel(let master, let sentinels, _):
            return "redis\(s)-sentinel://\(auth)\(sentinels.map(\.description).joined(separator: ","))/\(master)/\(database)"
        case .cluster(let seeds):
            return "redis\(s)-cluster://\(auth)\(seeds.map(\.description).joined(separator: ","))"
        }
        switch endpoint {
        case .tcp: return (tls == nil ? "redis://" : "rediss://") + "\(auth)\(address)/\(database)"
        case .unix(let path): return "unix://\(path)?db=\(database)"
        }
    }
}
