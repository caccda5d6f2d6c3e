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
                let named = try Self.masterAddress(master, asking: RedisConnection(asked))
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
                return conn
            } catch {
                reasons.append("\(sentinel): \(error)")
            }
        }
        throw RedisError.unreachable("master \(master) through \(sentinels.count) sentinel(s)", reasons.joined(separator: "; "))
    }

    private static func masterAddress(_ name: String, asking sentinel: RedisConnection) throws(RedisError) -> HostPort? {
        let reply = try sentinel.send([["SENTINEL", "get-master-addr-by-name", name].map { Array($0.utf8) }])[0]
        guard let parts = reply.array?.compactMap(\.text), parts.count == 2, let port = Int(parts[1]), (1...65535).contains(port),
              !parts[0].isEmpty else { return nil }
        return HostPort(host: parts[0], port: port)
    }
}
