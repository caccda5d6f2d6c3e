import AgentCore
import Foundation
import Redis
import RedisQueue

enum BenchRounds {
    /// Sequential PINGs on one connection: the ceiling for anything needing one round trip.
    static func roundTrips(_ client: RedisClient, count: Int) async throws -> Double {
        try await client.call("PING")
        let start = ContinuousClock.now
        for _ in 0..<count { try await client.call("PING") }
        return Double(count) / (ContinuousClock.now - start).seconds
    }

    /// LPUSH of `count` 20-byte values (a job id's size), pipelined in chunks of `batch` that are all
    /// in flight at once: the ceiling for a batch enqueue.
    static func pipelinedLPush(_ client: RedisClient, key: String, count: Int, batch: Int) async throws -> Double {
        let start = ContinuousClock.now
        let command = [Array("LPUSH".utf8), Array(key.utf8), Array("00000000000000000000".utf8)]
        var sent: [PendingReplies] = []
        for chunk in stride(from: 0, to: count, by: batch) {
            sent.append(client.submit(Array(repeating: command, count: min(batch, count - chunk))))
        }
        for p in sent { for r in try await p.replies() { try r.orThrow() } }
        let rate = Double(count) / (ContinuousClock.now - start).seconds
        try await client.call("DEL", key)
        return rate
    }
}

/// Enqueue-to-claim latency: a producer offers jobs at a steady rate while consumers wait on the queue.
enum BenchLatency {
    struct Result { var p50: Double; var p99: Double; var count: Int }

    /// Send times by job id, shared between the producer and the consumers.
    /// `@unchecked Sendable`: all access holds `lock`.
    final class Ledger: @unchecked Sendable {
        private let lock = NSLock()
        private var sent: [String: ContinuousClock.Instant] = [:]
        private var latencies: [Double] = []

        func sent(_ id: String, at t: ContinuousClock.Instant) { lock.withLock { sent[id] = t } }
        func claimed(_ id: String, at t: ContinuousClock.Instant) -> Int {
            lock.withLock {
                if let s = sent[id] { latencies.append((t - s).seconds) }
                return latencies.count
            }
        }
        var count: Int { lock.withLock { latencies.count } }
        var sorted: [Double] { lock.withLock { latencies.sorted() } }
    }

    static func measure(main: RedisJobQueue, spec: JobSpec, jobs: Int, rate: Int, consumers: Int) async throws -> Result {
        let ledger = Ledger()
        let queue = spec.queue
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<consumers {
                let consumer = main.withNewConnection(label: "bench-latency-\(i)")
                group.addTask {
                    while ledger.count < jobs {
                        guard let job = try await consumer.claim(queues: [queue], worker: "bench", lease: 60, wait: 0.2) else { continue }
                        _ = ledger.claimed(job.id, at: .now)
                        _ = try await consumer.complete(job.token, result: nil)
                    }
                }
            }
            group.addTask {
                let producer = main.withNewConnection(label: "bench-producer")
                let interval = Duration.seconds(1.0 / Double(rate))
                var next = ContinuousClock.now
                for _ in 0..<jobs {
                    var s = spec
                    let id = JobID.make()
                    s.id = id
                    ledger.sent(id, at: .now)
                    _ = try await producer.enqueue(s)
                    next += interval
                    if next > .now { try await Task.sleep(until: next, clock: .continuous) }
                }
            }
            try await group.waitForAll()
        }
        let sorted = ledger.sorted
        func q(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
        return Result(p50: q(0.5), p99: q(0.99), count: sorted.count)
    }
}

enum BenchCleanup {
    /// Deletes every key under the bench's own prefix.
    static func remove(prefix: String, client: RedisClient) async throws {
        try await client.deleteKeys(withPrefix: prefix)
    }
}
