import AgentCore
import Foundation
import RedisQueue
import RedisTestSupport
import Testing

@Suite struct RetryAndAdminTests {
    @Test func failuresBackOffThenFailKeepingEveryError() async throws {
        let clock = TestClock()
        try await TestQueue.with(clock: clock, retry: RetryPolicy(base: 10, cap: 3600, jitter: 0.5)) { tq async throws in
            let q = tq.queue
            let id = try await q.enqueue(shellJob("flaky", maxAttempts: 3))
            for attempt in 1...3 {
                let job = try #require(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0))
                #expect(job.attempt == attempt)
                let outcome = try await q.fail(job.token, error: "boom \(attempt)", kind: .retryable)
                if attempt < 3 {
                    #expect(outcome == .retrying)
                    let record = try #require(try await q.job(id: id))
                    let wait = try #require(record.runAt).timeIntervalSince(clock.now)
                    // Attempt n waits base * 2^(n-1), less up to half of it in jitter.
                    let full = 10 * pow(2, Double(attempt - 1))
                    #expect(wait >= full * 0.5 - 0.01 && wait <= full + 0.01)
                    #expect(try await q.promoteDue(queue: "default") == 0)
                    clock.advance(full + 1)
                    #expect(try await q.promoteDue(queue: "default") == 1)
                } else {
                    #expect(outcome == .failed)
                }
            }
            let record = try #require(try await q.job(id: id))
            #expect(record.state == .failed)
            #expect(record.errors.compactMap(\.error) == ["boom 1", "boom 2", "boom 3"])
            let stats = try await q.stats(queue: "default")
            #expect(stats.failed == 1 && stats.retrying == 0)
            #expect(stats.failedPerMinute.reduce(0, +) == 3)
        }
    }

    @Test func permanentFailuresAreNotRetried() async throws {
        try await TestQueue.with { tq async throws in
            let q = tq.queue
            let id = try await q.enqueue(shellJob("x", maxAttempts: 5))
            let job = try #require(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0))
            #expect(try await q.fail(job.token, error: "unknown tool", kind: .permanent) == .failed)
            #expect(try await q.fail(job.token, error: "unknown tool", kind: .permanent) == .duplicate)
            #expect(try await q.job(id: id)?.state == .failed)
        }
    }

    func failJobs(_ q: RedisJobQueue, _ specs: [JobSpec], error: (Int) -> String) async throws -> [String] {
        let ids = try await q.enqueue(batch: specs)
        for i in ids.indices {
            let job = try #require(try await q.claim(queues: [specs[i].queue], worker: "w", lease: 30, wait: 0))
            _ = try await q.fail(job.token, error: error(i), kind: .permanent)
        }
        return ids
    }

    @Test func requeueOneAndManyByFilter() async throws {
        try await TestQueue.with { tq async throws in
            let q = tq.queue
            let specs = [shellJob("a", metadata: ["customer": "acme"]), shellJob("b"), shellJob("c"), shellJob("d", queue: "other")]
            let ids = try await failJobs(q, specs) { $0 == 1 ? "timeout after 10 s" : "exit status 3" }

            #expect(try await q.requeue(id: ids[0]) == .requeued)
            #expect(try await q.requeue(id: ids[0]) == .notRequeueable(.pending))
            #expect(try await q.requeue(id: "nope") == .notFound)
            let requeued = try #require(try await q.job(id: ids[0]))
            #expect(requeued.state == .pending && requeued.attempts == 0)
            #expect(requeued.history.last?.event == "requeued")

            #expect(try await q.countFailed(queue: nil, filter: JobFilter(text: "TIMEOUT")) == 1)
            #expect(try await q.requeueFailed(queue: "default", filter: JobFilter(text: "timeout")) == 1)
            #expect(try await q.job(id: ids[1])?.state == .pending)
            #expect(try await q.countFailed(queue: nil, filter: JobFilter()) == 2)
            #expect(try await q.requeueFailed(queue: nil, filter: JobFilter()) == 2)
            #expect(try await q.stats(queue: "default").pending == 3)
            #expect(try await q.stats(queue: "other").pending == 1)
        }
    }

    @Test func requeueFilterMatchesMetadataAndTools() async throws {
        try await TestQueue.with { tq async throws in
            let q = tq.queue
            let code = JobSpec(steps: [StepSpec(tool: "code", input: ["language": "python", "source": "1"])])
            let ids = try await failJobs(q, [shellJob("a", metadata: ["customer": "acme"]), shellJob("b"), code]) { _ in "exit 1" }
            #expect(try await q.countFailed(queue: nil, filter: JobFilter(text: "customer=acme")) == 1)
            #expect(try await q.countFailed(queue: nil, filter: JobFilter(text: "code")) == 1)
            #expect(try await q.requeueFailed(queue: nil, filter: JobFilter(text: "acme")) == 1)
            #expect(try await q.job(id: ids[0])?.state == .pending)
        }
    }

    @Test func cancelWaitingAndRunningJobs() async throws {
        try await TestQueue.with { tq async throws in
            let q = tq.queue
            let waiting = try await q.enqueue(shellJob("w"))
            #expect(try await q.cancel(id: waiting) == .cancelled)
            #expect(try await q.cancel(id: waiting) == .alreadyFinished(.cancelled))
            #expect(try await q.stats(queue: "default").pending == 0)

            let running = try await q.enqueue(shellJob("r"))
            let job = try #require(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0))
            #expect(try await q.cancel(id: running) == .requested)
            #expect(try await q.renew([job.token], worker: "w", lease: 30)[job.token] == .cancelRequested)
            #expect(try await q.fail(job.token, error: "cancelled by request", kind: .cancelled) == .cancelled)
            #expect(try await q.job(id: running)?.state == .cancelled)
            #expect(try await q.stats(queue: "default").cancelled == 2)
            #expect(try await q.cancel(id: "missing") == .notFound)
        }
    }

    @Test func deleteRefusesRunningJobs() async throws {
        try await TestQueue.with { tq async throws in
            let q = tq.queue
            let a = try await q.enqueue(shellJob("a"))
            let b = try await q.enqueue(shellJob("b"))
            let job = try #require(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0))
            #expect(job.id == a)
            #expect(try await q.delete(id: a) == .active)
            #expect(try await q.delete(id: b) == .deleted)
            #expect(try await q.job(id: b) == nil)
            #expect(try await q.stats(queue: "default").pending == 0)
            #expect(try await q.delete(id: b) == .notFound)
        }
    }

    @Test func pausedQueuesHandOutNothing() async throws {
        try await TestQueue.with { tq async throws in
            let q = tq.queue
            let id = try await q.enqueue(shellJob("p"))
            try await q.setPaused(queue: "default", true)
            #expect(try await q.stats(queue: "default").paused)
            #expect(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0.2) == nil)
            try await q.setPaused(queue: "default", false)
            #expect(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0)?.id == id)
        }
    }
}
