import Foundation
@testable import Redis
@testable import RedisQueue
import RedisTestSupport
import Testing

/// Every Redis server a process learns of goes on record, for sandboxes to fence off: the master a
/// sentinel names and the replicas its ROLE lists (a real Sentinel set), and every node a cluster's
/// CLUSTER SLOTS lists.
@Suite struct RedisHostsSeenTests {
    func str(_ s: String) -> RedisReply { .string(Array(s.utf8)) }

    @Test func theMasterASentinelNamesAndItsReplicaAreOnRecord() async throws {
        let set = try SentinelTestSet(name: "seen")
        defer { set.stop() }
        try await set.waitReady()
        let client = RedisClient(try RedisConfig(url: set.url, environment: [:]))
        try await client.call("SET", "swissagent-test:seen", "1")
        let seen = RedisHostsSeen.endpoints
        // The replica is never dialled: only the sentinel (and the master's ROLE, once it is in sync)
        // names it. (The sentinels past the first
        // that answered are not dialled either; they are in the URL, which the worker fences off too.)
        for port in [set.master.port, set.replica.port, set.sentinels[0].port] {
            #expect(seen.contains(HostPort(host: "127.0.0.1", port: port)), "\(port) not in \(seen)")
        }
        #expect(RedisHostsSeen.hosts.contains("127.0.0.1"))
        try await client.call("DEL", "swissagent-test:seen")
    }

    @Test func rolesRepliesAreReadForTheirReplicasOnly() {
        let role = RedisReply.array([str("master"), .integer(3129659), .array([
            .array([str("203.0.113.8"), str("6380"), str("3129242")]),
            .array([str("203.0.113.9"), str("99999"), str("0")]),  // no such port: left out
            .array([str(""), str("6381"), str("0")]),
        ])])
        #expect(RedisConnection.replicas(inRole: role) == [HostPort(host: "203.0.113.8", port: 6380)])
        #expect(RedisConnection.replicas(inRole: .array([str("slave"), str("203.0.113.1"), .integer(6379)])).isEmpty)
    }

    @Test func everyNodeClusterSlotsListsIsOnRecordReplicasToo() {
        let router = ClusterRouter(config: RedisConfig(endpoint: .tcp(host: "203.0.113.20", port: 7000)), seeds: [HostPort(host: "203.0.113.20", port: 7000)])
        router.apply([
            .array([.integer(0), .integer(8191), .array([str("203.0.113.21"), .integer(7001), str("id1")]),
                    .array([str("203.0.113.22"), .integer(7002), str("id2")])]),
            // An empty host is the node that was asked.
            .array([.integer(8192), .integer(16383), .array([str(""), .integer(7003), str("id3")]),
                    .array([str("?"), .integer(7004), str("id4")])]),
        ], askedOf: HostPort(host: "203.0.113.20", port: 7000))
        let seen = RedisHostsSeen.endpoints
        for node in [("203.0.113.21", 7001), ("203.0.113.22", 7002), ("203.0.113.20", 7003), ("203.0.113.20", 7004)] {
            #expect(seen.contains(HostPort(host: node.0, port: node.1)), "\(node) not in \(seen)")
        }
        #expect(router.masters == [HostPort(host: "203.0.113.21", port: 7001), HostPort(host: "203.0.113.20", port: 7003)])
    }
}
