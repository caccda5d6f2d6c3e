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
                let (named, known) = try Self.ask(RedisConnection(asked), about: master)
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
                // On record for sandboxes to fence off: the replicas the master serves, and the
                // replicas and sentinels the sentinel knows (a replica still syncing is not in ROLE yet).
                RedisHostsSeen.saw(Self.replicas(inRole: role) + known)
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
        return listed.compactMap { r in r.array.flatMap { f in f.count >= 2 ? HostPort(reply: f[0].text, port: f[1]) : nil } }
    }

    /// What one sentinel says of `name`, in one round trip: the master's address, and the replicas
    /// and other sentinels it knows (one the URL does not name would still take SENTINEL FAILOVER).
    private static func ask(_ sentinel: RedisConnection, about name: String) throws(RedisError) -> (master: HostPort?, known: [HostPort]) {
        let replies = try sentinel.send(["get-master-addr-by-name", "REPLICAS", "SENTINELS"].map { ["SENTINEL", $0, name].map { Array($0.utf8) } })
        let address = replies.first?.array ?? []
        let master = address.count == 2 ? HostPort(reply: address[0].text, port: address[1]) : nil
        return (master, replies.dropFirst().flatMap(listed))
    }

    /// `SENTINEL REPLICAS` or `SENTINEL SENTINELS`: one flat [field, value, ...] list per server;
    /// nothing from an error reply.
    private static func listed(_ reply: RedisReply) -> [HostPort] {
        (reply.array ?? []).compactMap { server in
            let fields = server.array ?? []
            func field(_ name: String) -> RedisReply? {
                stride(from: 0, to: fields.count - 1, by: 2).first { fields[$0].text == name }.map { fields[$0 + 1] }
            }
            return field("port").flatMap { HostPort(reply: field("ip")?.text, port: $0) }
        }
    }
}
