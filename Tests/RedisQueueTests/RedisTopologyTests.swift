import Foundation
@testable import RedisQueue
@testable import Redis
import Testing

/// Sentinel and Cluster URLs, key slots and redirects: the parts that need no server.
@Suite struct RedisTopologyTests {
    @Test func parsesSentinelURLs() throws {
        let c = try RedisConfig(url: "redis-sentinel://:pw@s1:26379,s2,[::1]:26380/mymaster/3",
                                environment: ["REDIS_SENTINEL_PASSWORD": "spw"])
        #expect(c.topology == .sentinel(master: "mymaster", sentinels: [HostPort(host: "s1", port: 26379), HostPort(host: "s2", port: 26379),
                                                                     HostPort(host: "::1", port: 26380)], password: "spw"))
        #expect(c.password == "pw" && c.database == 3 && c.tls == nil)
        #expect(c.redactedURL == "redis-sentinel://:***@s1:26379,s2:26379,[::1]:26380/mymaster/3")
        #expect(c.hosts.contains("s2"))
        let t = try RedisConfig(url: "rediss-sentinel://s1/m", environment: ["REDIS_TLS_CA_FILE": "/ca.pem"])
        #expect(t.tls?.caFile == "/ca.pem" && t.database == 0)
    }

    @Test func parsesClusterURLs() throws {
        let c = try RedisConfig(url: "redis-cluster://app:pw@n1:7000,n2:7001,n3", environment: [:])
        #expect(c.topology == .cluster(seeds: [HostPort(host: "n1", port: 7000), HostPort(host: "n2", port: 7001), HostPort(host: "n3", port: 6379)]))
        #expect(c.username == "app" && c.password == "pw")
        #expect(c.redactedURL == "redis-cluster://app:***@n1:7000,n2:7001,n3:6379")
        #expect(try RedisConfig(url: "rediss-cluster://n1:7000", environment: [:]).tls != nil)
    }

    @Test func refusesBadHostLists() {
        for (url, why) in [("redis-sentinel://s1:26379", "no master name"), ("redis-sentinel:///m", "no sentinel given"),
                           ("redis-cluster://n1:99999", "is not a port number"), ("redis-cluster://n1/2", "only database 0"),
                           ("redis-sentinel://s1/m/x", "is not a number"), ("redis-cluster://:7000", "empty host")] {
            do {
                _ = try RedisConfig(url: url, environment: [:])
                Issue.record("accepted \(url)")
            } catch {
                #expect(error.description.contains(why), "\(url): \(error)")
            }
        }
    }

    /// A URL that does not parse is named with its password masked, however it fails: a parser that
    /// split it in the wrong place must not quote the password as a path or a port either.
    @Test func aBadURLNeverShowsItsPassword() {
        for url in ["redis://:s3cretpw@localhost:6379/abc", "redis://:s3cr/etpw@localhost:6379/0", "redis://:s3cretpw@localhost:70000/0",
                    "redis-sentinel://:s3cretpw@s1:26379", "redis-cluster://:s3cretpw@n1:99999", "mysql://:s3cretpw@x/1",
                    "redis://user:s3cr@tpw@h:6379/x", "redis://s3cretpw@h:6379/x"] {
            do {
                _ = try RedisConfig(url: url, environment: [:])
                Issue.record("accepted \(url)")
            } catch {
                let said = error.description
                #expect(said.hasPrefix("bad Redis URL"), "\(said)")
                for piece in ["s3cretpw", "s3cr", "etpw", "tpw"] { #expect(!said.contains(piece), "\(url): \(said)") }
                #expect(said.contains("***"), "\(said)")
            }
        }
    }

    @Test func keySlotsFollowCRC16AndHashTags() {
        // Values from the Redis Cluster specification and `CLUSTER KEYSLOT`.
        #expect(ClusterSlot.of(Array("123456789".utf8)) == 0x31C3)
        #expect(ClusterSlot.of(Array("foo".utf8)) == 12182)
        #expect(ClusterSlot.of(Array("{user1000}.following".utf8)) == ClusterSlot.of(Array("user1000".utf8)))
        #expect(ClusterSlot.of(Array("foo{}{bar}".utf8)) == ClusterSlot.of(Array("foo{}{bar}".utf8)))
        #expect(ClusterSlot.of(Array("foo{{bar}}zap".utf8)) == ClusterSlot.of(Array("{bar".utf8)))
        let keys = Keys(prefix: "p:")
        let q = keys.queue("mail")
        let slots = Set([q.pending, q.active, q.job("j1"), q.output("j1"), q.transcript("j1"), q.processed(minute: 9)]
            .map { ClusterSlot.of(Array($0.utf8)) })
        #expect(slots == [ClusterSlot.of(Array("mail".utf8))])
    }

    @Test func commandsAreRoutedByTheirKey() {
        func route(_ words: String...) -> String? {
            ClusterSlot.routingKey(words.map { Array($0.utf8) }).map { String(decoding: $0, as: UTF8.self) }
        }
        #expect(route("EVALSHA", "abc", "2", "k1", "k2", "arg") == "k1")
        #expect(route("EVALSHA", "abc", "0", "arg") == nil)
        #expect(route("XREAD", "COUNT", "5", "BLOCK", "100", "STREAMS", "s1", "0-0") == "s1")
        #expect(route("BZPOPMIN", "m1", "1.0") == "m1")
        #expect(route("SCRIPT", "LOAD", "return 1") == nil)
        #expect(route("HGETALL", "h") == "h")
    }

    @Test func redirectsAreRead() {
        let asked = HostPort(host: "10.0.0.1", port: 7000)
        guard case .moved(3999, let node)? = Redirect(.error("MOVED 3999 127.0.0.1:6381"), askedOf: asked) else {
            Issue.record("MOVED not read")
            return
        }
        #expect(node == HostPort(host: "127.0.0.1", port: 6381))
        guard case .ask(5, let other)? = Redirect(.error("ASK 5 :7002"), askedOf: asked) else {
            Issue.record("ASK not read")
            return
        }
        #expect(other == HostPort(host: "10.0.0.1", port: 7002))
        #expect(Redirect(.error("TRYAGAIN Multiple keys request during rehashing of slot"), askedOf: asked) != nil)
        #expect(Redirect(.error("MOVED x y"), askedOf: asked) == nil)
        #expect(Redirect(.error("MOVED 1 host:0"), askedOf: asked) == nil)
        #expect(Redirect(.error("ERR wrong"), askedOf: asked) == nil)
    }

    @Test func onlyWritesWaitForReplicas() {
        #expect(!ReplicaWait.writes([[Array("HGETALL".utf8), Array("k".utf8)], [Array("lrange".utf8)]]))
        #expect(ReplicaWait.writes([[Array("HGETALL".utf8)], [Array("EVALSHA".utf8)]]))
        #expect(ReplicaWait.writes([[Array("SET".utf8)]]))
        #expect(!ReplicaWait.writes([[Array("BZPOPMIN".utf8)]]))
    }
}
