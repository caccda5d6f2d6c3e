import Foundation
import TestServers

/// A Redis Cluster on loopback, made by `redis-cli --cluster create`: three masters, with a
/// replica each unless `replicas` is 0.
public final class ClusterTestSet: Sendable {
    public let nodes: [RedisTestServer]

    public var url: String { "redis-cluster://" + nodes.prefix(2).map { "127.0.0.1:\($0.port)" }.joined(separator: ",") }

    /// `nodeTimeoutMs`: how long a master may be silent before its replica takes over.
    public init(replicas: Int = 1, nodeTimeoutMs: Int = 2000) throws {
        let args = ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", String(nodeTimeoutMs),
                    "--loglevel", "notice"]
        nodes = try (0..<(3 * (1 + replicas))).map { _ in try RedisTestServer.start(extraArgs: args) }
        let created = try TestProcess.runBlocking(["redis-cli", "--cluster", "create"] + nodes.map { "127.0.0.1:\($0.port)" }
            + ["--cluster-replicas", String(replicas), "--cluster-yes"], timeout: 60)
        guard created.status == 0 else { throw TestServerError("redis-cli --cluster create failed: \(created.text)") }
    }

    /// Waits until every live node says the cluster is ok and agrees on who the masters are.
    public func waitReady(seconds: Double = 30) async throws {
        let ok = try await waitUntil(seconds: seconds) {
            nodes.filter(\.isUp).allSatisfy { redisCLI($0.port, ["CLUSTER", "INFO"]).contains("cluster_state:ok") }
                && masters().count == 3
        }
        guard ok else { throw TestServerError("the cluster did not settle: \(redisCLI(nodes[0].port, ["CLUSTER", "NODES"]))") }
    }

    /// Live masters, as a live node sees them: node id, port and the slot ranges they serve.
    public func masters() -> [(id: String, port: Int, slots: [ClosedRange<Int>])] {
        guard let asked = nodes.first(where: \.isUp) else { return [] }
        return redisCLI(asked.port, ["CLUSTER", "NODES"]).split(separator: "\n").compactMap { line in
            let f = line.split(separator: " ").map(String.init)
            guard f.count >= 8, f[2].contains("master"), !f[2].contains("fail"), f[7] == "connected",
                  let port = f[1].split(separator: "@").first?.split(separator: ":").last.flatMap({ Int($0) }) else { return nil }
            let slots: [ClosedRange<Int>] = f.dropFirst(8).compactMap { range in
                let ends = range.split(separator: "-").compactMap { Int($0) }
                guard let lo = ends.first else { return nil }
                return lo...(ends.count > 1 ? ends[1] : lo)
            }
            return slots.isEmpty ? nil : (f[0], port, slots)
        }
    }

    public func node(port: Int) -> RedisTestServer? { nodes.first { $0.port == port } }

    /// Whether another node took over from the master on `port`: three masters, none of them it,
    /// in one look (a dead master's link shows "connected" for a moment while it is being redialled).
    public func tookOver(from port: Int) -> Bool {
        let now = masters()
        return now.count == 3 && !now.contains { $0.port == port }
    }

    /// Moves `count` slots from one master to another, keys and all, while clients keep working:
    /// redis-cli moves the lowest slots of the source first.
    public func reshard(from: String, to: String, count: Int) throws {
        guard let any = nodes.first(where: \.isUp) else { throw TestServerError("no node is up") }
        let r = try TestProcess.runBlocking(["redis-cli", "--cluster", "reshard", "127.0.0.1:\(any.port)", "--cluster-from", from,
                                             "--cluster-to", to, "--cluster-slots", String(count), "--cluster-yes"], timeout: 120)
        guard r.status == 0 else { throw TestServerError("redis-cli --cluster reshard failed: \(r.text)") }
    }

    /// Each node's port, whether it is up, and the end of its log: what a failed test shows.
    public func report(lines: Int = 25) -> String {
        nodes.map { n in
            let log = (try? String(contentsOfFile: n.dir + "/redis.log", encoding: .utf8)) ?? ""
            return "== node \(n.port) (up: \(n.isUp))\n" + log.split(separator: "\n").suffix(lines).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    public func stop() { for n in nodes { n.kill9() } }
}
