import AgentCore
import Foundation

/// A host and port, as written in a Sentinel or Cluster URL and in their replies.
public struct HostPort: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// A server's reply naming a node (`ROLE`, `SENTINEL ...`, `CLUSTER SLOTS`), read as untrusted:
    /// nil unless the host is there and the port is one (a number, or text that is one).
    init?(reply host: String?, port: RedisReply) {
        guard let host, !host.isEmpty, let port = port.int, (1...65535).contains(port) else { return nil }
        self.init(host: host, port: port)
    }
}

extension RedisConfig {
    /// How the servers behind a configuration are found.
    public enum Topology: Sendable, Equatable {
        /// `endpoint` is the server.
        case direct
        /// The master named `master`, as the sentinels say at each connect; `password` is the
        /// sentinels' own (`REDIS_SENTINEL_PASSWORD`), the URL's is the master's.
        case sentinel(master: String, sentinels: [HostPort], password: String?)
        /// A Redis Cluster: the slot map is read from any of the seeds.
        case cluster(seeds: [HostPort])
    }

    /// Where Redis is, in a few words for a status line: `host:port`, `sentinel mymaster`, `cluster host:port+2`.
    public var shortAddress: String {
        switch topology {
        case .direct: address
        case .sentinel(let master, _, _): "sentinel \(master)"
        case .cluster(let seeds): "cluster \(seeds.first?.description ?? "(no seeds)")" + (seeds.count > 1 ? "+\(seeds.count - 1)" : "")
        }
    }

    /// The same settings aimed at one server (a discovered master, a cluster node).
    func direct(_ node: HostPort) -> RedisConfig {
        var c = self
        c.endpoint = .tcp(host: node.host, port: node.port)
        c.topology = .direct
        return c
    }

    /// Parses `redis[s]-sentinel://[[user]:password@]h1[:port],h2[:port]/MASTER[/db]` and
    /// `redis[s]-cluster://[[user]:password@]h1[:port],h2[:port]`; nil for any other scheme.
    /// Foundation's URL parser takes one host only, so these are split by hand.
    static func hostListURL(_ url: String, environment: [String: String]) throws(RedisError) -> RedisConfig? {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        let kinds = ["redis-sentinel": (false, 26379), "rediss-sentinel": (true, 26379),
                     "redis-cluster": (false, 6379), "rediss-cluster": (true, 6379)]
        guard let (tls, defaultPort) = kinds[scheme] else { return nil }
        let sentinel = scheme.hasSuffix("sentinel")
        var rest = url[schemeEnd.upperBound...]
        let pathStart = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<pathStart]
        let path = rest[pathStart...].split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        rest = authority
        var username: String?, password: String?
        if let at = authority.lastIndex(of: "@") {
            let auth = authority[..<at]
            rest = authority[authority.index(after: at)...]
            let parts = auth.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            let user = parts.first.flatMap { String($0).removingPercentEncoding } ?? ""
            username = user.isEmpty ? nil : user
            password = parts.count > 1 ? String(parts[1]).removingPercentEncoding : nil
        }
        var nodes: [HostPort] = []
        for item in rest.split(separator: ",", omittingEmptySubsequences: true) {
            nodes.append(try hostPort(String(item), defaultPort: defaultPort, url: url))
        }
        guard let first = nodes.first else {
            throw RedisError.badURL(url, why: sentinel ? "no sentinel given (redis-sentinel://host:26379,host:26379/MASTER)"
                                                  : "no seed node given (redis-cluster://host:6379,host:6379)")
        }
        var config = RedisConfig(endpoint: .tcp(host: first.host, port: first.port), username: username, password: password)
        if tls { config.tls = TLS(environment: environment) }
        if sentinel {
            guard let master = path.first, !master.isEmpty else {
                throw RedisError.badURL(url, why: "no master name: redis-sentinel://host:26379/MASTER")
            }
            if path.count > 1 {
                guard path.count == 2, let db = Int(path[1]), db >= 0 else {
                    throw RedisError.badURL(url, why: "database \"\(path.dropFirst().joined(separator: "/"))\" is not a number")
                }
                config.database = db
            }
            let sentinelPassword = environment["REDIS_SENTINEL_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
            Secrets.register(sentinelPassword)
            config.topology = .sentinel(master: master, sentinels: nodes, password: sentinelPassword)
        } else {
            guard path.isEmpty || path == ["0"] else { throw RedisError.badURL(url, why: "a cluster has only database 0") }
            config.topology = .cluster(seeds: nodes)
        }
        return config
    }

    /// `host`, `host:port`, `[v6]` or `[v6]:port`.
    static func hostPort(_ text: String, defaultPort: Int, url: String) throws(RedisError) -> HostPort {
        var host = text, portText: Substring?
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = String(text[text.index(after: text.startIndex)..<close])
            let after = text[text.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() }
        } else if let colon = text.lastIndex(of: ":") {
            host = String(text[..<colon])
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty else { throw RedisError.badURL(url, why: "empty host in \"\(text)\"") }
        guard let portText else { return HostPort(host: host, port: defaultPort) }
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw RedisError.badURL(url, why: "port \"\(portText)\" of \(host) is not a port number")
        }
        return HostPort(host: host, port: port)
    }
}
