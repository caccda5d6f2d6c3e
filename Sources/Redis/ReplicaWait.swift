/// `--redis-replicas N`: a pipeline that writes ends with `WAIT N`, so a write is reported done only
/// once N replicas hold it, and survives the master's failover. Fewer confirmations fail the call:
/// the write may still have happened, like a lost connection, and every state change is
/// idempotent or claim-checked, so retrying it is safe.
enum ReplicaWait {
    /// Commands that change nothing worth waiting for. BZPOPMIN takes a wake-up marker only.
    private static let reads: Set<String> = [
        "GET", "MGET", "HGET", "HMGET", "HGETALL", "HLEN", "LRANGE", "LLEN", "LINDEX", "ZCARD", "ZCOUNT", "ZRANGE",
        "ZRANGEBYSCORE", "ZREVRANGE", "ZREVRANGEBYSCORE", "ZSCORE", "ZRANK", "SMEMBERS", "SCARD", "SISMEMBER", "EXISTS",
        "TYPE", "TTL", "PTTL", "XREAD", "XRANGE", "XREVRANGE", "XLEN", "SCAN", "PING", "SCRIPT", "INFO", "ROLE", "TIME",
        "DBSIZE", "CLUSTER", "BZPOPMIN", "STRLEN", "ECHO", "WAIT", "ASKING",
    ]

    static func writes(_ commands: [[[UInt8]]]) -> Bool {
        commands.contains { c in c.first.map { !reads.contains(String(decoding: $0, as: UTF8.self).uppercased()) } ?? false }
    }
}

extension RedisConnection {
    /// Sends the commands and, when `config.replicas` > 0 and they write, waits for the replicas.
    /// A `timeout` (seconds) replaces the command timeout for this call (a blocking command's).
    func exchange(_ commands: [[[UInt8]]], config: RedisConfig, timeout: Double?) throws(RedisError) -> [RedisReply] {
        let base = timeout ?? config.commandTimeout
        guard config.replicas > 0, ReplicaWait.writes(commands) else {
            setTimeout(ms: Int64(base * 1000))
            return try send(commands)
        }
        let waitMs = max(1, Int(config.replicaTimeout * 1000))
        setTimeout(ms: Int64((base + config.replicaTimeout) * 1000))
        var replies = try send(commands + [["WAIT", String(config.replicas), String(waitMs)].map { Array($0.utf8) }])
        let ack = replies.removeLast()
        guard let confirmed = ack.int else {
            throw RedisError.unexpectedReply("WAIT answered \(ack)")
        }
        if confirmed < config.replicas {
            throw RedisError.notReplicated(address, confirmed, config.replicas, config.replicaTimeout)
        }
        return replies
    }
}
