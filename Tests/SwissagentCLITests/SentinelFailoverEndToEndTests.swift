import AgentCore
import Foundation
import Redis
import RedisQueue
import RedisTestSupport
import TestServers
import Testing

/// Failover through Sentinel, as it happens in production: the master is SIGKILLed while jobs are
/// submitted and run, the sentinels promote the replica, and with `--redis-replicas 1` every
/// submit that returned an id still ends succeeded, exactly once. Workers and the console carry on.
@Suite(.serialized) struct SentinelFailoverEndToEndTests {
    @Test func fiveHundredJobsThroughAKilledMaster() async throws {
        let set = try SentinelTestSet()
        defer { set.stop() }
        try await set.waitReady()
        let cli = try CLI(redisURL: set.url)
        let env = ["SWISSAGENT_REDIS_REPLICAS": "1"]
        let args = ["--concurrency", "4", "--lease", "2", "--grace", "1"]
        let workers = try (0..<2).map { _ in try WorkerProcess(cli, args, env: env) }
        defer { for w in workers { w.signal(SIGKILL) } }
        let tmux = try Tmux([try CLI.binary.path, "console", "--refresh", "0.2"],
                            env: ["REDIS_URL": set.url, "SWISSAGENT_PREFIX": cli.prefix, "SWISSAGENT_REDIS_REPLICAS": "1"])
        defer { tmux.kill() }
        #expect(try await tmux.waitFor("redis sentinel \(set.name) ✓"), "\((try? tmux.screen()) ?? "")")

        var config = try RedisConfig(url: set.url)
        config.replicas = 1
        let queue = RedisJobQueue(client: RedisClient(config), prefix: cli.prefix)
        let oldMaster = set.master.port
        var acknowledged: [String] = []
        var refused = 0
        var lastRefusal = ""
        var killedAt: Int?
        let started = ContinuousClock.now
        for i in 0..<500 {
            if i == 150 {
                set.master.kill9()
                killedAt = acknowledged.count
            }
            // A submitter retries what was refused; only an id that came back counts as accepted.
            while ContinuousClock.now - started < .seconds(300) {
                do {
                    acknowledged.append(try await queue.enqueue(JobSpec(steps: [StepSpec(tool: "shell", input: ["command": .string("echo job \(i)")])])))
                    break
                } catch {
                    refused += 1
                    lastRefusal = "\(error)"
                    try await Task.sleep(for: .milliseconds(50))
                }
                // The killed master comes back once the sentinels have promoted the replica (as a
                // restarted pod would), empty, and the sentinels make it the new master's replica.
                if killedAt != nil, !set.master.isUp, let now = set.masterPort(), now != oldMaster {
                    try set.master.launch()
                }
            }
            try await Task.sleep(for: .milliseconds(8))
        }
        #expect(killedAt == 150)
        #expect(set.masterPort() == set.replica.port, "the sentinels did not promote the replica")
        #expect(acknowledged.count == 500, "refused \(refused) times, last: \(lastRefusal)")

        // Every acknowledged job ends succeeded, and succeeded once. A refused submit may still have
        // been stored (its write reached the replica, the confirmation did not), so that job runs too:
        // wait until nothing is left to run, not only until the acknowledged count is reached.
        let finished = try await waitUntil(seconds: 600) {
            let s = try await queue.stats(queue: "default")
            return s.succeeded >= acknowledged.count && s.active == 0 && s.pending == 0 && s.retrying == 0
        }
        let stats = try await queue.stats(queue: "default")
        let logs = workers.map { String($0.output.suffix(1500)) }.joined(separator: "\n---\n")
        #expect(finished, "\(stats) \(logs)")
        var missing: [String] = []
        var twice: [String] = []
        for id in acknowledged {
            guard let job = try await queue.job(id: id), job.state == .succeeded else {
                missing.append(id)
                continue
            }
            if job.history.filter({ $0.event == "succeeded" }).count != 1 { twice.append(id) }
        }
        #expect(missing.isEmpty, "\(missing.count) acknowledged jobs did not succeed: \(missing.prefix(5)) \(logs)")
        #expect(twice.isEmpty, "\(twice.count) jobs succeeded more than once: \(twice.prefix(5))")
        #expect(stats.active == 0 && stats.pending == 0, "\(stats)")
        #expect(refused > 0, "the failover should have refused some submits")

        // The same worker processes and console, never restarted, still serve.
        for w in workers { #expect(w.process.isRunning, "a worker stopped: \(w.output.suffix(2000))") }
        #expect(try await tmux.waitFor("redis sentinel \(set.name) ✓", seconds: 15), "\((try? tmux.screen()) ?? "")")
        #expect(try await tmux.waitFor("2 workers", seconds: 15), "\((try? tmux.screen()) ?? "")")
        let after = try await queue.enqueue(JobSpec(steps: [StepSpec(tool: "shell", input: ["command": "echo after"])]))
        #expect(try await waitUntil(seconds: 60) { try await queue.job(id: after)?.state == .succeeded })
        try await cli.cleanup()
    }
}
