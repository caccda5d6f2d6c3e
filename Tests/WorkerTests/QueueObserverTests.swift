import AgentCore
import Foundation
import RedisQueue
import RedisTestSupport
import Testing

/// The observer that streams a job's output to Redis while the job runs.
@Suite struct QueueObserverTests {
    /// When `finish` returns the worker acknowledges the job, and readers (the console, SSE) take the
    /// job's end as the end of its output: every chunk must be in Redis by then, in order, even one
    /// the periodic flush was still sending (over a slow link here: 50 ms per append).
    @Test func finishWaitsForTheSendUnderWayAndKeepsTheOrder() async throws {
        try await TestQueue.with { tq async throws in
            let slow = SlowOutput(tq.queue, delay: .milliseconds(50))
            for round in 0..<3 {
                let id = try await tq.queue.enqueue(JobSpec(steps: [StepSpec(tool: "shell", input: ["command": "true"])]))
                let job = try #require(try await tq.queue.claim(queues: ["default"], worker: "w", lease: 30, wait: 0))
                let observer = QueueObserver(queue: slow, token: job.token, sandbox: "local")
                observer.start()
                observer.output(step: 0, stream: .stdout, text: "first,")
                try await Task.sleep(for: .milliseconds(30))  // the periodic flush is now sending "first,"
                observer.output(step: 0, stream: .stdout, text: "second,")
                await observer.finish()
                let stored = try await tq.queue.readOutput(id: id, after: "", limit: 100, wait: 0).map(\.text).joined()
                #expect(stored == "first,second,", "round \(round)")
            }
        }
    }
}

/// The real queue, with output appends that take `delay` (everything else forwarded as is).
final class SlowOutput: JobQueue, Sendable {
    let base: RedisJobQueue
    let delay: Duration
    init(_ base: RedisJobQueue, delay: Duration) { self.base = base; self.delay = delay }

    func appendOutput(_ token: ClaimToken, events: [OutputEvent]) async throws -> OutputAppend {
        try await Task.sleep(for: delay)
        return try await base.appendOutput(token, events: events)
    }

    func enqueue(_ spec: JobSpec) async throws -> String { try await base.enqueue(spec) }
    func enqueue(batch specs: [JobSpec]) async throws -> [String] { try await base.enqueue(batch: specs) }
    func claim(queues: [String], worker: String, lease: Double, wait: Double) async throws -> ClaimedJob? {
        try await base.claim(queues: queues, worker: worker, lease: lease, wait: wait)
    }
    func claim(id: String, worker: String, lease: Double) async throws -> ClaimedJob? { try await base.claim(id: id, worker: worker, lease: lease) }
    func renew(_ tokens: [ClaimToken], worker: String, lease: Double) async throws -> [ClaimToken: LeaseStatus] {
        try await base.renew(tokens, worker: worker, lease: lease)
    }
    func complete(_ token: ClaimToken, result: String?, next: ClaimRequest?) async throws -> (AckOutcome, ClaimedJob?) {
        try await base.complete(token, result: result, next: next)
    }
    func fail(_ token: ClaimToken, error: String, kind: FailureKind) async throws -> AckOutcome { try await base.fail(token, error: error, kind: kind) }
    func release(_ token: ClaimToken, reason: String) async throws -> Bool { try await base.release(token, reason: reason) }
    func record(_ token: ClaimToken, steps: [StepRecord], sandbox: String?, usage: (seconds: Double, dollars: Double)?) async throws {
        try await base.record(token, steps: steps, sandbox: sandbox, usage: usage)
    }
    func reapExpiredLeases(queue: String) async throws -> Int { try await base.reapExpiredLeases(queue: queue) }
    func promoteDue(queue: String) async throws -> Int { try await base.promoteDue(queue: queue) }
    func trim(queue: String) async throws -> Int { try await base.trim(queue: queue) }
    func requeue(id: String) async throws -> RequeueOutcome { try await base.requeue(id: id) }
    func requeueFailed(queue: String?, filter: JobFilter) async throws -> Int { try await base.requeueFailed(queue: queue, filter: filter) }
    func countFailed(queue: String?, filter: JobFilter) async throws -> Int { try await base.countFailed(queue: queue, filter: filter) }
    func cancel(id: String) async throws -> CancelOutcome { try await base.cancel(id: id) }
    func delete(id: String) async throws -> DeleteOutcome { try await base.delete(id: id) }
    func setPaused(queue: String, _ paused: Bool) async throws { try await base.setPaused(queue: queue, paused) }
    func readOutput(id: String, after offset: String, limit: Int, wait: Double) async throws -> [OutputEvent] {
        try await base.readOutput(id: id, after: offset, limit: limit, wait: wait)
    }
    func queues() async throws -> [String] { try await base.queues() }
    func stats(queue: String) async throws -> QueueStats { try await base.stats(queue: queue) }
    func list(queue: String, state: JobState, offset: Int, limit: Int) async throws -> [JobSummary] {
        try await base.list(queue: queue, state: state, offset: offset, limit: limit)
    }
    func job(id: String) async throws -> JobRecord? { try await base.job(id: id) }
    func heartbeat(_ worker: WorkerInfo, ttl: Double) async throws { try await base.heartbeat(worker, ttl: ttl) }
    func removeWorker(id: String) async throws { try await base.removeWorker(id: id) }
    func workers() async throws -> [WorkerInfo] { try await base.workers() }
}
