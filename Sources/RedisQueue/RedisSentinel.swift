/// Finding the master through Sentinel: every connect asks the sentinels in turn, and the server
/// named is believed only once its own `ROLE` says master (a sentinel can lag behind a failover).
extension RedisConnection {
    /// A connection to the configured server, or to the master the sentinels name now.
    static func open(_ config: RedisConfig) throws(RedisError) -> RedisConnection {
        guard case .sentinel(let master, let sentinels, let sentinelPassword) = config.topology else {
            return try RedisConnection(config)
        }
        var reasons: [String] = []
        for sentinel in sentinels {
            var asked = config.direct(sentinel)
            asked.username = nil
            asked.password = sentinelPassword
            asked.database = 0
            do throws(RedisError) {
                let sentinelConnection = try RedisConnection(asked)
                let named = try Self.masterAddress(master, asking: sentinelConnection)
                guard let named else {
                    reasons.append("\(sentinel) does not know a master named \(master)")
                    continue
                }
                let conn = try RedisConnection(config.direct(named))
                let role = try conn.send([[Array("ROLE".utf8)]])[0]
                guard role.array?.first?.text == "master" else {
                    reasons.append("\(sentinel) named \(named), which is not a master (\(role.array?.first?.text ?? "no role"))")
                    continue
                }
                // On record for sandboxes to fence off: the replicas the master serves, and those the
                // sentinel knows (a replica still syncing is not in ROLE yet).
                RedisHostsSeen.saw(Self.replicas(inRole: role))
                RedisHostsSeen.saw(Self.listed("REPLICAS", of: master, asking: sentinelConnection))
                // The other sentinels too: one the URL does not name would still take SENTINEL FAILOVER.
                RedisHostsSeen.saw(Self.listed("SENTINELS", of: master, asking: sentinelConnection))
                return conn
            } catch {
                reasons.append("\(sentinel): \(error)")
            }
        }
        throw RedisError.unreachable("master \(master) through \(sentinels.count) sentinel(s)", reasons.joined(separator: "; "))
    }

    /// A master's `ROLE`: ["master", offset, [[host, port, offset], ...]].
    static func replicas(inRole role: RedisReply) -> [HostPort] {
        guard let parts = role.array, parts.count >= 3, let listed = parts[2].array else { return [] }
        return listed.compactMap { r in
            guard let f = r.array, f.count >= 2, let host = f[0].text, !host.isEmpty, let port = f[1].text.flatMap({ Int($0) }) ?? f[1].int,
                  (1...65535).contains(port) else { return nil }
            return HostPort(host: host, port: port)
        }
    }

    /// `SENTINEL REPLICAS` or `SENTINEL SENTINELS`: one flat [field, value, ...] list per server;
    /// nothing if it fails.
    static func listed(_ what: String, of master: String, asking sentinel: RedisConnection) -> [HostPort] {
        guard let reply = try? sentinel.send([["SENTINEL", what, master].map { Array($0.utf8) }])[0] else { return [] }
        return (reply.array ?? []).compactMap { replica in
            let fields = replica.texts
            func field(_ name: String) -> String? {
                stride(from: 0, to: fields.count - 1, by: 2).first { fields[$0] == name }.map { fields[$0 + 1] }
            }
            guard let host = field("ip"), !host.isEmpty, let port = field("port").flatMap({ Int($0) }), (1...65535).contains(port)
            else { return nil }
            return HostPort(host: host, port: port)
        }
    }

    private static func masterAddress(_ name: String, asking sentinel: RedisConnection) throws(RedisError) -> HostPort? {
        let reply = try sentinel.send([["SENTINEL", "get-master-addr-by-name", name].map { Array($0.utf8) }])[0]
        guard let parts = reply.array?.compactMap(\.text), parts.count == 2, let port = Int(parts[1]), (1...65535).contains(port),
              !parts[0].isEmpty else { return nil }
        return HostPort(host: parts[0], port: port)
    }
}
