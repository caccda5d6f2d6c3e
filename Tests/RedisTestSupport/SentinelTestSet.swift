import Foundation
import TestServers

/// One master, one replica and three sentinels on loopback, as production runs Sentinel.
public final class SentinelTestSet: Sendable {
    public let name: String
    public let master: RedisTestServer
    public let replica: RedisTestServer
    public let sentinels: [RedisTestServer]

    public var url: String { "redis-sentinel://" + sentinels.map { "127.0.0.1:\($0.port)" }.joined(separator: ",") + "/" + name }

    public init(name: String = "sa") throws {
        self.name = name
        let master = try RedisTestServer.start()
        self.master = master
        replica = try RedisTestServer.start(extraArgs: ["--replicaof", "127.0.0.1", String(master.port)])
        sentinels = try (0..<3).map { _ in try RedisTestServer.startSentinel(name: name, masterPort: master.port) }
    }

    /// Waits until the replica is in sync and every sentinel knows the other two and the replica:
    /// before that a failover has no quorum.
    public func waitReady(seconds: Double = 30) async throws {
        let ready = try await waitUntil(seconds: seconds) {
            guard redisCLI(master.port, ["INFO", "replication"]).contains("connected_slaves:1") else { return false }
            return sentinels.allSatisfy { s in
                let info = redisCLI(s.port, ["SENTINEL", "master", name]).split(separator: "\n").map(String.init)
                func field(_ k: String) -> String? { info.firstIndex(of: k).flatMap { $0 + 1 < info.count ? info[$0 + 1] : nil } }
                return field("num-other-sentinels") == "2" && field("num-slaves") == "1"
            }
        }
        guard ready else { throw TestServerError("the sentinels did not settle: \(redisCLI(sentinels[0].port, ["SENTINEL", "master", name]))") }
    }

    /// The port the sentinels name as master now.
    public func masterPort() -> Int? {
        let lines = redisCLI(sentinels[0].port, ["SENTINEL", "get-master-addr-by-name", name]).split(separator: "\n")
        return lines.count == 2 ? Int(lines[1]) : nil
    }

    public func stop() {
        for s in sentinels { s.kill9() }
        replica.kill9()
        master.kill9()
    }
}

/// redis-cli's plain output of one command on a loopback port ("" when it cannot run).
public func redisCLI(_ port: Int, _ args: [String], extra: [String] = []) -> String {
    (try? TestProcess.runBlocking(["redis-cli", "-p", String(port)] + extra + args, timeout: 30))?.text ?? ""
}
