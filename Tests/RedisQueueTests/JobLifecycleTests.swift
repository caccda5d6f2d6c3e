import AgentCore
import Foundation
import RedisQueue
import RedisTestSupport
import Testing

@Suite struct JobLifecycleTests {
    @Test func enqueueClaimComplete() async throws {
        try await TestQueue.with { tq async throws in
            let q = tq.queue
            let id = try await q.enqueue(shellJob("echo hi", metadata: ["customer": "c42"]))
            #expect(try await q.stats(queue: "default").pending == 1)
            #expect(try await q.queues() == ["default"])

            let job = try #require(try await q.claim(queues: ["default"], worker: "w1", lease: 30, wait: 0))
            #expect(job.id == id)
            #expect(job.attempt == 1)
            #expect(try JobSpecParser().parse(Data(job.specJSON.utf8)).steps[0].input["command"] == "echo hi")
            let active = try await q.stats(queue: "default")
            #expect(active.pending == 0 && active.active == 1)

            #expect(try await q.complete(job.token, result: "ok") == .succeeded)
            let done = try await q.stats(queue: "default")
            #expect(done.active == 0 && done.succeeded == 1)
            #expect(done.processedPerMinute.reduce(0, +) == 1)
            let record = try #require(try await q.job(id: id))
            #expect(record.state == .succeeded)
            #expect(record.result == "ok")
            #expect(record.history.map(\.event) == ["claimed", "succeeded"])
            #expect(record.history[0].worker == "w1")
        }
    }

    @Test func claimsInFIFOOrderAcrossABatch() async throws {
        try await TestQueue.with { tq async throws in
            let q = tq.queue
            let ids = try await q.enqueue(batch: (0..<1200).map { shellJob("echo \($0)") })
            #expect(Set(ids).count == 1200)
            #expect(try await q.stats(queue: "default").pending == 1200)
            var claimed: [String] = []
            while let job = try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0) {
                claimed.append(job.id)
                _ = try await q.complete(job.token, result: nil)
            }
            #expect(claimed == ids)
        }
    }

    @Test func enqueueIsIdempotentByID() async throws {
        try await TestQueue.with { tq async throws in
            var spec = shellJob("true")
            spec.id = "order-7"
            #expect(try await tq.queue.enqueue(spec) == "order-7")
            #expect(try await tq.queue.enqueue(spec) == "order-7")
            #expect(try await tq.queue.stats(queue: "default").pending == 1)
        }
    }

    @Test func completeAlsoClaimsTheNextJob() async throws {
        try await TestQueue.with { tq async throws in
            let q = tq.queue
            let ids = try await q.enqueue(batch: [shellJob("a"), shellJob("b")])
            let first = try #require(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0))
            let (outcome, next) = try await q.complete(first.token, result: nil, next: ClaimRequest(worker: "w", lease: 30))
            #expect(outcome == .succeeded)
            #expect(next?.id == ids[1])
            let (_, none) = try await q.complete(try #require(next).token, result: nil, next: ClaimRequest(worker: "w", lease: 30))
            #expect(none == nil)
            #expect(try await q.stats(queue: "default").succeeded == 2)
        }
    }

    @Test func blockingClaimWakesWhenAJobArrives() async throws {
        try await TestQueue.with { tq async throws in
            let consumer = tq.queue.withNewConnection()
            async let claimed = consumer.claim(queues: ["default"], worker: "w", lease: 30, wait: 60)
            try await Task.sleep(for: .milliseconds(200))
            let id = try await tq.queue.enqueue(shellJob("true"))
            let start = ContinuousClock.now
            let job = try await claimed
            #expect(job?.id == id)
            // Woken by the job, not handed it at the end of its wait.
            #expect(ContinuousClock.now - start < .seconds(30))
        }
    }

    @Test func claimWithNothingPendingReturnsNilAfterWaiting() async throws {
        try await TestQueue.with { tq async throws in
            #expect(try await tq.queue.claim(queues: ["default", "other"], worker: "w", lease: 30, wait: 0.3) == nil)
        }
    }

    @Test func scheduledJobsWaitForTheirTime() async throws {
        let clock = TestClock()
        try await TestQueue.with(clock: clock) { tq async throws in
            let q = tq.queue
            var spec = shellJob("later")
            spec.runAt = clock.now.addingTimeInterval(60).timeIntervalSince1970
            let id = try await q.enqueue(spec)
            #expect(try await q.stats(queue: "default").scheduled == 1)
            #expect(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0) == nil)
            #expect(try await q.promoteDue(queue: "default") == 0)
            clock.advance(61)
            #expect(try await q.promoteDue(queue: "default") == 1)
            #expect(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0)?.id == id)
        }
    }
}
