import Foundation

/// Where an agent job's loop comes from: the worker's model endpoints, chosen per job.
public protocol AgentSource: Sendable {
    /// The loop for the job, or a permanent failure (no endpoint, or a local-only job and an external one).
    func loop(for job: JobSpec) throws -> AgentLoop
}

extension Supervisor {
    /// Runs an agent job: every tool call the model makes is a step on the job's timeline, with
    /// the same limits, records and sandbox session as an explicit step. A step that fails (an exit
    /// status, a limit) is an observation for the model, not the job's end; the job's own time
    /// limit and cancellation still end it.
    /// With a `journal` of an earlier attempt, the run goes on from it (`AgentLoop.run`).
    public func runAgent(_ job: JobSpec, task: String, loop: AgentLoop, in session: any SandboxSession,
                         observer: any JobObserver, approvals gate: ApprovalGate? = nil, journal: AgentJournal? = nil,
                         previous: JobEvent? = nil, workspace: (any WorkspaceKeeping)? = nil) async throws -> AgentOutcome {
        let records = StepRecords()
        let deadline = job.timeoutSeconds.map { ContinuousClock.now + .milliseconds(Int($0 * 1000)) }
        return try await loop.run(task: task, journal: journal, previous: previous, workspace: workspace, step: { spec, willRun in
            let i = records.start(StepRecord(tool: spec.tool, status: .running, startedAt: Date().timeIntervalSince1970))
            await observer.steps(records.all)
            let captured = OutputCapture(observer: observer, limit: max(loop.outputLimit * 4, 64 << 10))
            do {
                let result = try await runStep(spec, index: i, job: job, deadline: deadline, session: session, observer: captured,
                                               gate: gate, applied: { limits in records.update(i) { $0.limits = StepRecord.Limits(limits) } },
                                               willRun: willRun)
                records.update(i) { r in
                    r.seconds = result.seconds
                    r.exitCode = result.exitCode
                    r.outputBytes = result.outputBytes
                    r.status = .succeeded
                }
                await observer.steps(records.all)
                return AgentObservation(exitCode: result.exitCode, output: captured.text)
            } catch let failure as StepFailure {
                records.update(i) { r in
                    r.seconds = failure.result?.seconds
                    r.exitCode = failure.result?.exitCode
                    r.outputBytes = failure.result?.outputBytes ?? 0
                    r.status = .failed
                    r.error = failure.failure.description
                }
                await observer.steps(records.all)
                if failure.endsJob { throw failure.failure }
                return AgentObservation(exitCode: failure.result?.exitCode ?? 1, output: captured.text, error: failure.failure.description)
            } catch is JobParked {
                // Not run: it waits for a person, and the job with it, parked.
                records.update(i) { $0.status = .pending }
                await observer.steps(records.all)
                throw JobParked()
            } catch {
                records.update(i) { r in
                    r.status = error is CancellationError ? .cancelled : .failed
                    r.error = error is CancellationError ? "cancelled" : "\(error)"
                }
                await observer.steps(records.all)
                throw error
            }
        }, record: { entry in
            // The transcript as it happens: stored with the job, and a typed event in its output
            // stream (cut, so one long message cannot take the stream's whole byte cap).
            var e = entry
            e.at = Date().timeIntervalSince1970
            observer.output(step: max(0, records.count - 1), stream: .agent, text: e.json(limit: Self.agentEventTextLimit))
            await observer.transcript(e, model: loop.modelName)
        }, checkpoint: {
            try await observer.checkpoint()
        }, text: { words in
            observer.output(step: max(0, records.count - 1), stream: .model, text: words)
        })
    }

    /// Bytes of an entry's text in its output event; the stored transcript keeps it whole.
    static let agentEventTextLimit = 8_192
}

/// An agent job's step records, growing as the model calls tools. `@unchecked Sendable`: all
/// access holds `lock`.
final class StepRecords: @unchecked Sendable {
    private let lock = NSLock()
    private var records: [StepRecord] = []

    func start(_ r: StepRecord) -> Int { lock.withLock { records.append(r); return records.count - 1 } }
    func update(_ i: Int, _ change: (inout StepRecord) -> Void) { lock.withLock { if records.indices.contains(i) { change(&records[i]) } } }
    var all: [StepRecord] { lock.withLock { records } }
    var count: Int { lock.withLock { records.count } }
}

/// Passes a step's output on to the job's observer and keeps (up to `limit` bytes of) it for the model.
/// `@unchecked Sendable`: `kept` and `size` are only touched while holding `lock`.
final class OutputCapture: JobObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var kept = ""
    private var size = 0
    private let observer: any JobObserver
    private let limit: Int

    init(observer: any JobObserver, limit: Int) {
        self.observer = observer
        self.limit = limit
    }

    func output(step: Int, stream: OutputEvent.Stream, text: String) {
        observer.output(step: step, stream: stream, text: text)
        lock.withLock {
            if size < limit { kept += text }
            size += text.utf8.count
        }
    }

    func steps(_ records: [StepRecord]) async { await observer.steps(records) }

    var text: String { lock.withLock { size > limit ? kept + "\n[output past \(limit) bytes not shown]\n" : kept } }
}
