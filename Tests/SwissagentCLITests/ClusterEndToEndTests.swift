import AgentCore
import Foundation
@testable import Redis
@testable import RedisQueue
import RedisTestSupport
import TestServers
import Testing

/// Redis Cluster as production runs it: three masters with a replica each, six queues spread over
/// them, two workers and the console. Mid-run the busiest queue's slot moves to another master
/// (`redis-cli --cluster reshard`), then a master is SIGKILLed and its replica takes over: no job
/// is lost or left active, and `queues` and the console show every queue wherever it lives.
@Suite(.serialized) struct ClusterEndToEndTests {
    @Test func sixQueuesThroughAReshardAndAKilledMaster() async throws {
        let cluster = try ClusterTestSet()
        defer { cluster.stop() }
        try await cluster.waitReady()
        let (busy, from, queues) = try Self.queueNames(cluster.masters())
        // Our CRC16 agrees with the server's.
        for q in queues {
            let slot = redisCLI(cluster.nodes[0].port, ["CLUSTER", "KEYSLOT", "x{\(q)}y"]).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(slot == String(ClusterSlot.of(Array(q.utf8))), "slot of \(q)")
        }

        let cli = try CLI(redisURL: cluster.url)
        let env = ["SWISSAGENT_REDIS_REPLICAS": "1"]
        let args = ["--concurrency", "4", "--lease", "2", "--grace", "1"] + queues.flatMap { ["--queue", $0] }
        let workers = try (0..<2).map { _ in try WorkerProcess(cli, args, env: env) }
        defer { for w in workers { w.signal(SIGKILL) } }
        let tmux = try Tmux([try CLI.binary.path, "console", "--refresh", "0.2"],
                            env: ["REDIS_URL": cluster.url, "SWISSAGENT_PREFIX": cli.prefix])
        defer { tmux.kill() }

        var config = try RedisConfig(url: cluster.url)
        config.replicas = 1
        let queue = RedisJobQueue(client: RedisClient(config), prefix: cli.prefix)
        var acknowledged: [(id: String, queue: String)] = []
        var refused = 0, lastRefusal = ""
        var reshard: Task<Void, any Error>?
        var killed: RedisTestServer?
        let started = ContinuousClock.now
        // What the cluster looked like at each turn of the run, for the failure messages.
        var events: [String] = []
        func note(_ what: String) {
            events.append("\(ContinuousClock.now - started) \(what):\n\(redisCLI(cluster.nodes.first(where: \.isUp)?.port ?? 0, ["CLUSTER", "NODES"]))")
        }
        for i in 0..<600 {
            if i == 200 {
                let to = try #require(cluster.masters().first { $0.id != from }).id
                reshard = Task.detached { try cluster.reshard(from: from, to: to, count: 1) }
            }
            if i == 400 {
                try await reshard?.value
                // Kill the master that now holds the busy queue.
                let owner = try #require(cluster.masters().first { m in m.slots.contains { $0.contains(ClusterSlot.of(Array(busy.utf8))) } })
                #expect(owner.id != from, "the busy queue's slot did not move")
                killed = cluster.node(port: owner.port)
                killed?.kill9()
                note("killed \(owner.port)")
            }
            let name = i % 2 == 0 ? busy : queues[1 + (i / 2) % (queues.count - 1)]
            while ContinuousClock.now - started < .seconds(300) {
                do {
                    let spec = JobSpec(queue: name, steps: [StepSpec(tool: "shell", input: ["command": .string("echo job \(i)")])])
                    acknowledged.append((try await queue.enqueue(spec), name))
                    break
                } catch {
                    refused += 1
                    lastRefusal = "\(error)"
                    try await Task.sleep(for: .milliseconds(50))
                }
                // The killed master comes back, once its replica has taken over, as that one's replica.
                if let k = killed, !k.isUp, cluster.tookOver(from: k.port) {
                    note("relaunching \(k.port) in the run")
                    try k.launch()
                }
            }
            try await Task.sleep(for: .milliseconds(8))
        }
        if let k = killed, !k.isUp {
            // Never before its replica took over: an empty master coming back would wipe its replica.
            let failedOver = try await waitUntil(seconds: 60) { cluster.tookOver(from: k.port) }
            note("relaunching \(k.port) after the run")
            try #require(failedOver, "no replica took over from \(k.port): \(events) \(cluster.report())")
            try k.launch()
        }
        #expect(acknowledged.count == 600, "refused \(refused) times, last: \(lastRefusal)")
        #expect(refused > 0, "the killed master should have refused some submits")

        let logs = { workers.map { String($0.output.suffix(1500)) }.joined(separator: "\n---\n") }
        let diagnosis = { "\(events) \(cluster.report()) \(logs())" }
        // A refused submit may still have been stored and run: wait until every queue is drained.
        let done = try await waitUntil(seconds: 600) {
            var succeeded = 0
            var left = 0
            for q in queues {
                let s = try await queue.stats(queue: q)
                succeeded += s.succeeded
                left += s.active + s.pending + s.retrying
            }
            return succeeded >= acknowledged.count && left == 0
        }
        #expect(done, "\(diagnosis())")
        var missing: [String] = []
        for (id, q) in acknowledged where try await queue.job(id: id)?.state != .succeeded { missing.append("\(q)/\(id)") }
        #expect(missing.isEmpty, "\(missing.count) acknowledged jobs did not succeed: \(missing.prefix(5)) \(diagnosis())")
        for q in queues {
            let s = try await queue.stats(queue: q)
            #expect(s.active == 0 && s.pending == 0, "\(q): \(s)")
            #expect(s.succeeded > 0, "\(q) ran nothing")
        }

        // Every queue is listed, wherever it lives; the console shows them all, never restarted.
        let listed = try await cli.run("queues", "--json")
        for q in queues { #expect(listed.stdout.contains("\"\(q)\""), "queues --json: \(listed.stdout) \(listed.stderr)") }
        let api = try await APIProcess(cli, env: ["SWISSAGENT_API_TOKENS": "tok-root=ops:admin"])
        defer { api.worker.signal(SIGTERM) }
        let (status, body, _) = try await api.call("GET", "/v1/queues", token: "tok-root")
        let served = ((body["queues"] as? [[String: Any]]) ?? []).compactMap { $0["queue"] as? String }
        #expect(status == 200 && Set(served) == Set(queues), "GET /v1/queues: \(status) \(body)")
        for q in queues { #expect(try await tmux.waitFor(q, seconds: 15), "\((try? tmux.screen()) ?? "")") }
        #expect(try await tmux.waitFor("redis cluster 127.0.0.1:\(cluster.nodes[0].port)+1 ✓", seconds: 15), "\((try? tmux.screen()) ?? "")")
        for w in workers { #expect(w.process.isRunning, "a worker stopped: \(w.output.suffix(2000))") }
        try await cli.cleanup()
    }

    /// A busy queue whose slot is the lowest of its master's (so `reshard` of one slot moves it),
    /// and five more, two queues on each master.
    static func queueNames(_ masters: [(id: String, port: Int, slots: [ClosedRange<Int>])]) throws -> (String, String, [String]) {
        func owner(_ name: String) -> String? {
            let slot = ClusterSlot.of(Array(name.utf8))
            return masters.first { $0.slots.contains { $0.contains(slot) } }?.id
        }
        let lowest = Dictionary(uniqueKeysWithValues: masters.compactMap { m in m.slots.map(\.lowerBound).min().map { ($0, m.id) } })
        guard let (busy, from) = (0..<2_000_000).lazy.map({ "busy-\($0)" })
            .compactMap({ name in lowest[ClusterSlot.of(Array(name.utf8))].map { (name, $0) } }).first
        else { throw TestServerError("no queue name lands on a master's lowest slot") }
        var names = [busy]
        var perMaster = [from: 1]
        for n in 0..<1000 where names.count < 6 {
            let name = "q-\(n)"
            guard let m = owner(name), perMaster[m, default: 0] < 2 else { continue }
            perMaster[m, default: 0] += 1
            names.append(name)
        }
        return (busy, from, names)
    }
}
