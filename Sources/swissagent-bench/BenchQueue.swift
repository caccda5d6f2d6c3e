import AgentCore
import ArgumentParser
import CommandOptions
import Foundation
import Redis
import RedisQueue

struct BenchQueue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Push no-op jobs through enqueue, claim and ack, beside Redis' own round-trip rate.",
        discussion: "Runs under its own key prefix on the given Redis and removes its keys afterwards.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "Jobs per phase.")
    var jobs = 20_000

    @Option(help: "Concurrent consumers; repeat to measure several (e.g. --concurrency 1 --concurrency 16).")
    var concurrency: [Int] = [1]


    @Option(help: "Jobs per second offered while measuring enqueue-to-claim latency.")
    var latencyRate = 1000

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        guard jobs > 0, latencyRate > 0 else { throw ValidationError("--jobs and --latency-rate must be positive") }
        guard concurrency.allSatisfy({ (1...256).contains($0) }) else { throw ValidationError("--concurrency must be 1...256") }
    }

    func run() async throws {
        let prefix = "\(global.prefix)bench-\(JobID.make()):"
        let main = RedisJobQueue(client: RedisClient(try global.redisConfig(), label: "bench"), prefix: prefix)
        do {
            try await measure(main)
        } catch {
            try? await BenchCleanup.remove(prefix: prefix, client: main.client)
            throw error
        }
        try await BenchCleanup.remove(prefix: prefix, client: main.client)
    }

    private func measure(_ main: RedisJobQueue) async throws {
        let prefix = main.keys.prefix
        let config = main.client.config
        let queue = "bench"
        let batch = 500  // the chunk size `RedisJobQueue.enqueue(batch:)` sends per script call
        let spec = JobSpec(queue: queue, steps: [StepSpec(tool: "shell", input: ["command": "true"])])

        // Round trips are sampled before, between and after the other phases; the median stands.
        let pings = min(jobs, 10_000)
        var rttRuns = [try await BenchRounds.roundTrips(main.client, count: pings)]
        // This machine's neighbours make single runs noisy: alternate the two batch measurements
        // three times and keep each one's median.
        var lpushRuns: [Double] = [], enqueueRuns: [Double] = []
        for _ in 0..<3 {
            lpushRuns.append(try await BenchRounds.pipelinedLPush(main.client, key: prefix + "lpush", count: jobs, batch: batch))
            let start = ContinuousClock.now
            _ = try await main.enqueue(batch: Array(repeating: spec, count: jobs))
            enqueueRuns.append(Double(jobs) / (ContinuousClock.now - start).seconds)
            try await BenchCleanup.remove(prefix: prefix, client: main.client)
        }
        let lpush = lpushRuns.sorted()[1]
        let enqueueRate = enqueueRuns.sorted()[1]
        rttRuns.append(try await BenchRounds.roundTrips(main.client, count: pings))

        var claimRates: [(Int, Double)] = []
        for c in concurrency {
            _ = try await main.enqueue(batch: Array(repeating: spec, count: jobs))
            let consumers = (0..<c).map { main.withNewConnection(label: "bench-consumer-\($0)") }
            let start = ContinuousClock.now
            let done = try await withThrowingTaskGroup(of: Int.self) { group in
                for consumer in consumers {
                    group.addTask {
                        // As a worker does: each ack also claims the next job, one round trip per job.
                        var n = 0
                        let request = ClaimRequest(worker: "bench", lease: 60)
                        var job = try await consumer.claim(queues: [queue], worker: "bench", lease: 60, wait: 0)
                        while let current = job {
                            job = try await consumer.complete(current.token, result: nil, next: request).1
                            n += 1
                        }
                        return n
                    }
                }
                return try await group.reduce(0, +)
            }
            claimRates.append((c, Double(done) / (ContinuousClock.now - start).seconds))
        }

        rttRuns.append(try await BenchRounds.roundTrips(main.client, count: pings))
        let rtt = rttRuns.sorted()[1]
        let latency = try await BenchLatency.measure(main: main, spec: spec, jobs: min(jobs, 5 * latencyRate),
                                                     rate: latencyRate, consumers: concurrency.max() ?? 1)

        if json {
            print(JSONValue.object([
                "jobs": .number(Double(jobs)), "redis_round_trips_per_s": .number(rtt.rounded()),
                "pipelined_lpush_per_s": .number(lpush.rounded()), "enqueue_per_s": .number(enqueueRate.rounded()),
                "claim_ack_per_s": .object(Dictionary(uniqueKeysWithValues: claimRates.map { ("\($0.0)", .number($0.1.rounded())) })),
                "latency_p50_ms": .number(latency.p50 * 1000), "latency_p99_ms": .number(latency.p99 * 1000),
                "latency_rate": .number(Double(latencyRate)),
            ]).prettyJSON())
            return
        }
        func n(_ v: Double) -> String { v.formatted(.number.precision(.fractionLength(0))) }
        func pct(_ a: Double, _ b: Double) -> String { String(format: "%.0f%%", a / b * 100) }
        print("swissagent bench queue: \(jobs) jobs per phase on \(config.redactedURL)")
        print("  redis round trips, 1 connection (PING)   \(n(rtt))/s  (median of 3)")
        print("  redis pipelined LPUSH (chunks of \(batch))    \(n(lpush))/s  (median of 3)")
        print("  enqueue, one batch (chunks of \(batch))       \(n(enqueueRate)) jobs/s  (\(pct(enqueueRate, lpush)) of pipelined LPUSH)")
        for (c, rate) in claimRates {
            print("  claim+ack, concurrency \(c)".padding(toLength: 43, withPad: " ", startingAt: 0)
                  + "\(n(rate)) jobs/s  (\(pct(rate, rtt)) of round trips)")
        }
        if let base = claimRates.first, claimRates.count > 1, let top = claimRates.last {
            print("  scaling \(base.0) -> \(top.0) consumers                  \(String(format: "%.2fx", top.1 / base.1))")
        }
        print("  enqueue-to-claim latency at \(latencyRate)/s      p50 \(String(format: "%.2f", latency.p50 * 1000)) ms"
              + "  p99 \(String(format: "%.2f", latency.p99 * 1000)) ms  (\(latency.count) jobs)")
    }
}
