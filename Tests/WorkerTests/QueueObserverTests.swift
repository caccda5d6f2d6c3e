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

/// The real queue, with output appends that take `delay`: the observer needs only what a running job reports.
final class SlowOutput: JobReporting, Sendable {
    let base: RedisJobQueue
    let delay: Duration
    init(_ base: RedisJobQueue, delay: Duration) { self.base = base; self.delay = delay }

    func appendOutput(_ token: ClaimToken, events: [OutputEvent]) async throws -> OutputAppend {
        try await Task.sleep(for: delay)
        return try await base.appendOutput(token, events: events)
    }

    func record(_ token: ClaimToken, steps: [StepRecord], sandbox: String?, usage: (seconds: Double, dollars: Double)?) async throws {
        try await base.record(token, steps: steps, sandbox: sandbox, usage: usage)
    }

    func appendTranscript(_ token: ClaimToken, model: String, entries: [TranscriptEntry]) async throws -> OutputAppend {
        try await base.appendTranscript(token, model: model, entries: entries)
    }

    func transcript(id: String) async throws -> [TranscriptEntry] { try await base.transcript(id: id) }

    func stepRecords(id: String) async throws -> [StepRecord] { try await base.stepRecords(id: id) }

    func recordArtifacts(_ token: ClaimToken, root: String, held: Int?, uploaded: Int) async throws {
        try await base.recordArtifacts(token, root: root, held: held, uploaded: uploaded)
    }
}
