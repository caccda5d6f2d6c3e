import AgentCore
import Foundation
@testable import Redis
@testable import RedisQueue
import RedisTestSupport
import Testing

/// The cluster client against a real three-master Redis Cluster: pipelines split by master,
/// MOVED and ASK redirects while a slot migrates, scripts on every master, and queues on all of them.
@Suite(.serialized) struct RedisClusterTests {
    static let shared: Result<ClusterTestSet, any Error> = Result {
        let set = try ClusterTestSet(replicas: 0)
        let ready = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var failure: (any Error)?
        Task {
            do { try await set.waitReady() } catch { failure = error }
            ready.signal()
        }
        ready.wait()
        if let failure { throw failure }
        return set
    }

    func client() throws -> RedisClient { RedisClient(try RedisConfig(url: try Self.shared.get().url)) }
    func prefix() -> String { "swissagent-test:\(UUID().uuidString.prefix(12)):" }
    func myID(_ port: Int) -> String { redisCLI(port, ["CLUSTER", "MYID"]).trimmingCharacters(in: .whitespacesAndNewlines) }

    @Test func aPipelineSpansTheMastersAndKeepsItsOrder() async throws {
        let cluster = try Self.shared.get()
        let c = try client()
        let p = prefix()
        let keys = (0..<60).map { "\(p)k\($0)" }
        let set = try await c.pipeline(keys.enumerated().map { ["SET", $0.element, "v\($0.offset)"] })
        #expect(set.allSatisfy { $0.text == "OK" }, "\(set.prefix(3))")
        let got = try await c.pipeline(keys.map { ["GET", $0] })
        #expect(got.map(\.text) == (0..<60).map { "v\($0)" })
        // The keys really are on all three masters (nothing else is in this cluster meanwhile).
        #expect(cluster.nodes.allSatisfy { (Int(redisCLI($0.port, ["DBSIZE"]).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) > 0 })
        #expect(try await c.deleteKeys(withPrefix: p) == 60)
        #expect(try await c.pipeline(keys.map { ["EXISTS", $0] }).allSatisfy { $0.int == 0 })
    }

    @Test func movedAndAskAreFollowedWhileASlotMigrates() async throws {
        let cluster = try Self.shared.get()
        let c = try client()
        let p = prefix()
        let moving = "\(p){slot}:moving", staying = "\(p){slot}:staying"
        try await c.call("SET", moving, "m")
        try await c.call("SET", staying, "s")
        let slot = ClusterSlot.of(Array("slot".utf8))
        let masters = cluster.masters()
        let source = try #require(masters.first { m in m.slots.contains { $0.contains(slot) } })
        let target = try #require(masters.first { $0.id != source.id })
        defer {
            // Whatever happened, the slot ends whole on one master.
            for m in masters { _ = redisCLI(m.port, ["CLUSTER", "SETSLOT", String(slot), "NODE", target.id]) }
        }
        #expect(redisCLI(target.port, ["CLUSTER", "SETSLOT", String(slot), "IMPORTING", source.id]) == "OK\n")
        #expect(redisCLI(source.port, ["CLUSTER", "SETSLOT", String(slot), "MIGRATING", target.id]) == "OK\n")
        #expect(redisCLI(source.port, ["MIGRATE", "127.0.0.1", String(target.port), "", "0", "5000", "KEYS", moving]) == "OK\n")
        // Half-way: the moved key is asked of the target (ASK), the other still read where it was.
        #expect(try await c.call("GET", moving).text == "m")
        #expect(try await c.call("GET", staying).text == "s")
        #expect(redisCLI(source.port, ["MIGRATE", "127.0.0.1", String(target.port), "", "0", "5000", "KEYS", staying]) == "OK\n")
        for m in masters { #expect(redisCLI(m.port, ["CLUSTER", "SETSLOT", String(slot), "NODE", target.id]) == "OK\n") }
        // Done: the old owner answers MOVED, and the client follows it and keeps the new owner.
        #expect(try await c.call("GET", moving).text == "m")
        #expect(try await c.pipeline([["GET", staying], ["SET", moving, "m2"], ["GET", moving]]).map(\.text) == ["s", "OK", "m2"])
        #expect(redisCLI(target.port, ["GET", moving]) == "m2\n")
        try await c.deleteKeys(withPrefix: p)
    }

    @Test func queuesOnEveryMasterRunAndAreListed() async throws {
        let c = try client()
        let p = prefix()
        let q = RedisJobQueue(client: c, prefix: p)
        let names = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"]
        let owners = Set(try Self.shared.get().masters().compactMap { m in
            names.contains { n in m.slots.contains { $0.contains(ClusterSlot.of(Array(n.utf8))) } } ? m.id : nil
        })
        #expect(owners.count == 3, "the six queues should land on all three masters")
        var ids: [String: String] = [:]
        for n in names { ids[n] = try await q.enqueue(shellJob("echo \(n)", queue: n)) }
        #expect(try await q.queues() == names.sorted())
        for _ in names {
            let job = try #require(try await q.claim(queues: names, worker: "w", lease: 30, wait: 0))
            #expect(ids[job.queue] == job.id)
            #expect(try await q.complete(job.token, result: "ok") == .succeeded)
        }
        for n in names { #expect(try await q.stats(queue: n).succeeded == 1) }

        // A consumer blocked on several queues wakes for a job on any of them (here the last).
        let waiter = q.withNewConnection(label: "cluster-wait")
        let claimed = Task { try await waiter.claim(queues: names, worker: "w2", lease: 30, wait: 120) }
        try await Task.sleep(for: .milliseconds(300))
        let late = try await q.enqueue(shellJob("late", queue: "foxtrot"))
        let start = ContinuousClock.now
        #expect(try await claimed.value?.id == late)
        // Woken (a poll every 250 ms), not handed the job at the end of its wait: far from 120 s even
        // on a loaded machine.
        #expect(ContinuousClock.now - start < .seconds(60))

        // Workers' records live in many slots; they are read one by one.
        for w in ["w-a", "w-b", "w-c"] {
            try await q.heartbeat(WorkerInfo(id: w, host: "h", pid: 1, startedAt: 0, heartbeatAt: Date().timeIntervalSince1970,
                                             queues: names, concurrency: 1, currentJobs: []), ttl: 30)
        }
        #expect(try await q.workers().map(\.id).sorted() == ["w-a", "w-b", "w-c"])
        try await c.deleteKeys(withPrefix: p)
    }

    @Test func scriptsAreLoadedAgainOnEveryMasterAfterAFlush() async throws {
        let cluster = try Self.shared.get()
        let c = try client()
        let p = prefix()
        let q = RedisJobQueue(client: c, prefix: p)
        _ = try await q.enqueue(shellJob("one", queue: "alpha"))
        for node in cluster.nodes { _ = redisCLI(node.port, ["SCRIPT", "FLUSH"]) }
        for n in ["bravo", "charlie", "delta"] { _ = try await q.enqueue(shellJob("two", queue: n)) }
        #expect(try await q.claim(queues: ["alpha", "bravo", "charlie", "delta"], worker: "w", lease: 30, wait: 0) != nil)
        try await c.deleteKeys(withPrefix: p)
    }

    /// While a slot moves, a script that meets a key already gone to the other node stops with an
    /// error; the scripts touch a job's keys before writing, so nothing is left half-done: the
    /// reaper here must not drop a lease while the job it names has moved.
    @Test func aScriptThatMeetsAMovedKeyStopsBeforeWriting() async throws {
        let cluster = try Self.shared.get()
        let clock = TestClock()
        let p = prefix()
        let q = RedisJobQueue(client: try client(), prefix: p, clock: { clock.now })
        let name = "migrating"
        let keys = Keys(prefix: p).queue(name)
        let orphan = try await q.enqueue(shellJob("a", queue: name))
        _ = try #require(try await q.claim(queues: [name], worker: "gone", lease: 1, wait: 0))
        _ = try await q.enqueue(shellJob("b", queue: name, maxAttempts: 1))
        let failing = try #require(try await q.claim(queues: [name], worker: "w", lease: 60, wait: 0))
        #expect(try await q.fail(failing.token, error: "x", kind: .permanent) == .failed)
        _ = try await q.enqueue(shellJob("c", queue: name))
        try await q.client.call("ZADD", keys.awaiting, 0, "nobody")  // every key the reaper declares exists here
        clock.advance(5)

        let slot = ClusterSlot.of(Array(name.utf8))
        let masters = cluster.masters()
        let source = try #require(masters.first { m in m.slots.contains { $0.contains(slot) } })
        let target = try #require(masters.first { $0.id != source.id })
        defer { for m in masters { _ = redisCLI(m.port, ["CLUSTER", "SETSLOT", String(slot), "NODE", target.id]) } }
        #expect(redisCLI(target.port, ["CLUSTER", "SETSLOT", String(slot), "IMPORTING", source.id]) == "OK\n")
        #expect(redisCLI(source.port, ["CLUSTER", "SETSLOT", String(slot), "MIGRATING", target.id]) == "OK\n")
        #expect(redisCLI(source.port, ["MIGRATE", "127.0.0.1", String(target.port), "", "0", "5000", "KEYS", keys.job(orphan)]) == "OK\n")

        await #expect(throws: (any Error).self) { try await q.reapExpiredLeases(queue: name) }
        let lease = redisCLI(source.port, ["ZSCORE", keys.lease, orphan]).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Double(lease) != nil, "the lease was dropped half-way: \(lease)")
        #expect(redisCLI(source.port, ["LRANGE", keys.active, "0", "-1"]).contains(orphan))

        // The move ends; the reaper then takes the job back whole.
        let rest = redisCLI(source.port, ["CLUSTER", "GETKEYSINSLOT", String(slot), "1000"]).split(separator: "\n").map(String.init)
        #expect(redisCLI(source.port, ["MIGRATE", "127.0.0.1", String(target.port), "", "0", "5000", "KEYS"] + rest) == "OK\n")
        for m in masters { #expect(redisCLI(m.port, ["CLUSTER", "SETSLOT", String(slot), "NODE", target.id]) == "OK\n") }
        #expect(try await q.reapExpiredLeases(queue: name) == 1)
        let record = try #require(try await q.job(id: orphan))
        #expect(record.state == .pending && record.orphaned == 1)
        #expect(try await q.stats(queue: name).failed == 1)
        try await q.client.deleteKeys(withPrefix: p)
    }

    @Test func aClusterNobodyAnswersForSaysSo() async throws {
        let c = RedisClient(try RedisConfig(url: "redis-cluster://127.0.0.1:1,127.0.0.1:2"))
        do {
            try await c.call("PING")
            Issue.record("reached a cluster on closed ports")
        } catch {
            #expect("\(error)".contains("no cluster node answered CLUSTER SLOTS: 127.0.0.1:1: cannot reach Redis at 127.0.0.1:1"), "\(error)")
        }
    }

    /// A client told of one seed knows every master from CLUSTER SLOTS, for sandboxes to fence off.
    @Test func everyMasterIsOnRecordFromOneSeed() async throws {
        let cluster = try Self.shared.get()
        let c = RedisClient(try RedisConfig(url: "redis-cluster://127.0.0.1:\(cluster.nodes[0].port)"))
        try await c.call("GET", "\(prefix())nothing")
        let seen = RedisHostsSeen.endpoints
        for m in cluster.masters() { #expect(seen.contains(HostPort(host: "127.0.0.1", port: m.port)), "\(m.port) not in \(seen)") }
    }
}
