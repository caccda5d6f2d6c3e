import AgentCore
import Foundation
import RedisQueue
import RedisTestSupport
import Testing

/// The no-job-is-lost guarantee: leases, the reaper and idempotent acknowledgements.
@Suite struct NothingLostTests {
    @Test func aJobWhoseConsumerDiesIsClaimedAgain() async throws {
        let clock = TestClock()
        try await TestQueue.with(clock: clock) { tq async throws in
            let q = tq.queue
            let id = try await q.enqueue(shellJob("work"))
            // The first consumer claims and then dies: it never acks and never renews.
            let first = try #require(try await q.claim(queues: ["default"], worker: "dead-worker", lease: 10, wait: 0))
            #expect(try await q.reapExpiredLeases(queue: "default") == 0)
            #expect(try await q.stats(queue: "default").orphaned == 0)
            clock.advance(11)
            #expect(try await q.stats(queue: "default").orphaned == 1)
            #expect(try await q.reapExpiredLeases(queue: "default") == 1)
            #expect(try await q.stats(queue: "default").pending == 1)

            let second = try #require(try await q.claim(queues: ["default"], worker: "live-worker", lease: 10, wait: 0))
            #expect(second.id == id)
            #expect(second.claim == first.claim + 1)

            // The dead consumer's late ack is ignored and recorded; the live one's counts; a repeat does nothing.
            #expect(try await q.complete(first.token, result: "late") == .stale)
            #expect(try await q.complete(second.token, result: "ok") == .succeeded)
            #expect(try await q.complete(second.token, result: "ok") == .duplicate)
            #expect(try await q.fail(first.token, error: "late failure", kind: .retryable) == .stale)

            let record = try #require(try await q.job(id: id))
            #expect(record.state == .succeeded)
            #expect(record.result == "ok")
            #expect(record.orphaned == 1)
            #expect(record.history.map(\.event)
                == ["claimed", "orphaned", "claimed", "ack_ignored", "succeeded", "ack_ignored", "ack_ignored"])
            #expect(record.history[1].worker == "dead-worker")
        }
    }

    @Test func leasesExpireInRealTime() async throws {
        try await TestQueue.with { tq async throws in
            let q = tq.queue
            let id = try await q.enqueue(shellJob("work"))
            _ = try #require(try await q.claim(queues: ["default"], worker: "w1", lease: 0.2, wait: 0))
            try await Task.sleep(for: .milliseconds(400))
            #expect(try await q.reapExpiredLeases(queue: "default") == 1)
            #expect(try await q.claim(queues: ["default"], worker: "w2", lease: 30, wait: 0)?.id == id)
        }
    }

    @Test func renewalKeepsALiveConsumersJob() async throws {
        let clock = TestClock()
        try await TestQueue.with(clock: clock) { tq async throws in
            let q = tq.queue
            _ = try await q.enqueue(shellJob("long"))
            let job = try #require(try await q.claim(queues: ["default"], worker: "w", lease: 10, wait: 0))
            for _ in 0..<5 {
                clock.advance(8)
                #expect(try await q.renew([job.token], worker: "w", lease: 10)[job.token] == .ok)
                #expect(try await q.reapExpiredLeases(queue: "default") == 0)
            }
            clock.advance(11)
            #expect(try await q.reapExpiredLeases(queue: "default") == 1)
            // The job was taken back: renewing now tells the consumer it lost it.
            #expect(try await q.renew([job.token], worker: "w", lease: 10)[job.token] == .lost)
        }
    }

    @Test func aJobThatKeepsKillingWorkersEndsInFailed() async throws {
        let clock = TestClock()
        try await TestQueue.with(clock: clock, maxOrphans: 3) { tq async throws in
            let q = tq.queue
            let id = try await q.enqueue(shellJob("poison"))
            for _ in 0..<3 {
                _ = try #require(try await q.claim(queues: ["default"], worker: "w", lease: 1, wait: 0))
                clock.advance(2)
                _ = try await q.reapExpiredLeases(queue: "default")
            }
            let record = try #require(try await q.job(id: id))
            #expect(record.state == .failed)
            #expect(record.lastError?.hasPrefix("lease expired 3 times") == true)
            // /metrics counts it as failed, with the time from its last claim.
            let metrics = try await q.metrics(queue: "default")
            #expect(metrics.failed == 1 && metrics.count == 1)
            #expect(metrics.sumMs == 2000)
        }
    }

    @Test func garbageInThePendingListGoesToFailedAndTheNextJobRuns() async throws {
        try await TestQueue.with { tq async throws in
            let q = tq.queue
            _ = try await q.enqueue(shellJob("first")) // registers the queue
            let first = try #require(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0))
            _ = try await q.complete(first.token, result: nil)
            let keys = Keys(prefix: tq.prefix).queue("default")
            try await q.client.send(["LPUSH", keys.pending, [0xff, 0x00, 0x7b] + Array("not a job".utf8)]).orThrow()
            let good = try await q.enqueue(shellJob("second"))
            let job = try #require(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0))
            #expect(job.id == good)
            let failed = try await q.list(queue: "default", state: .failed, offset: 0, limit: 10)
            #expect(failed.count == 1)
            #expect(failed.first?.lastError?.hasPrefix("invalid job payload: not a job id of this queue") == true)
        }
    }

    /// A pending entry whose record has an unknown state, no state or no spec lands in failed with the
    /// reason (it used to leave pending and land nowhere); the claimer is told, for its log.
    @Test func recordsThatAreNoJobGoToFailedWithTheReason() async throws {
        let notes = Notes()
        let tq = try TestQueue()
        let q = RedisJobQueue(client: tq.queue.client, prefix: tq.prefix, onInvalidRecord: { notes.add($0) })
        do {
            _ = try await q.enqueue(shellJob("registers the queue"))
            _ = try #require(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0))
            let keys = Keys(prefix: tq.prefix).queue("default")
            try await q.client.send(["HSET", keys.job("weird-state"), "spec", #"{"steps":[]}"#, "state", "zombie"]).orThrow()
            try await q.client.send(["HSET", keys.job("no-spec"), "state", "pending"]).orThrow()
            try await q.client.send(["HSET", keys.job("no-state"), "spec", #"{"steps":[]}"#]).orThrow()
            try await q.client.send(["LPUSH", keys.pending, "weird-state", "no-spec", "no-state"]).orThrow()
            let good = try await q.enqueue(shellJob("second"))
            let job = try #require(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0))
            #expect(job.id == good)
            for (id, why) in [("weird-state", #"invalid job record: unknown state "zombie""#), ("no-spec", "invalid job record: no spec"),
                              ("no-state", "invalid job record: no state")] {
                let record = try #require(try await q.job(id: id), "\(id) vanished")
                #expect(record.state == .failed, "\(id)")
                #expect(record.lastError == why)
            }
            let failed = try await q.list(queue: "default", state: .failed, offset: 0, limit: 10)
            #expect(Set(failed.map(\.id)) == ["weird-state", "no-spec", "no-state"])
            #expect(notes.all.count == 3)
            #expect(notes.all.contains(#"queue default: weird-state: invalid job record: unknown state "zombie""#), "\(notes.all)")
        } catch {
            try? await tq.cleanup()
            throw error
        }
        try await tq.cleanup()
    }
}

/// Lines a callback was given. `@unchecked Sendable`: `lines` is only touched while holding `lock`.
final class Notes: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func add(_ s: String) { lock.withLock { lines.append(s) } }
    var all: [String] { lock.withLock { lines } }
}

@Suite struct ConcurrentMaintenanceTests {
    @Test func reapersInEveryWorkerAtOnceReturnEachJobOnce() async throws {
        let clock = TestClock()
        try await TestQueue.with(clock: clock) { tq async throws in
            let q = tq.queue
            let ids = try await q.enqueue(batch: (0..<200).map { shellJob("j\($0)") })
            for _ in ids { _ = try await q.claim(queues: ["default"], worker: "dying", lease: 5, wait: 0) }
            clock.advance(6)
            // Eight reapers on eight connections race for the same 200 expired leases.
            let total = try await withThrowingTaskGroup(of: Int.self) { group in
                for i in 0..<8 {
                    let reaper = q.withNewConnection(label: "reaper-\(i)")
                    group.addTask { try await reaper.reapExpiredLeases(queue: "default") }
                }
                return try await group.reduce(0, +)
            }
            #expect(total == 200)
            let pending = try await q.client.call("LRANGE", Keys(prefix: tq.prefix).queue("default").pending, 0, -1).texts
            #expect(pending.count == 200)
            #expect(Set(pending) == Set(ids))
            let stats = try await q.stats(queue: "default")
            #expect(stats.active == 0 && stats.orphaned == 0)
        }
    }

    @Test func concurrentConsumersNeverShareAJob() async throws {
        try await TestQueue.with { tq async throws in
            let q = tq.queue
            let ids = try await q.enqueue(batch: (0..<300).map { shellJob("j\($0)") })
            let claimed = try await withThrowingTaskGroup(of: [String].self) { group in
                for i in 0..<6 {
                    let consumer = q.withNewConnection(label: "consumer-\(i)")
                    group.addTask {
                        var mine: [String] = []
                        let request = ClaimRequest(worker: "c\(i)", lease: 30)
                        var job = try await consumer.claim(queues: ["default"], worker: "c\(i)", lease: 30, wait: 0)
                        while let current = job {
                            mine.append(current.id)
                            job = try await consumer.complete(current.token, result: nil, next: request).1
                        }
                        return mine
                    }
                }
                return try await group.reduce([], +)
            }
            #expect(claimed.count == 300)
            #expect(Set(claimed) == Set(ids))
            #expect(try await q.stats(queue: "default").succeeded == 300)
        }
    }
}
