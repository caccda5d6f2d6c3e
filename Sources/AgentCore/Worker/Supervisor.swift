import Foundation

/// Receives what happens while a job runs: output as it is produced, step records as they change.
public protocol JobObserver: Sendable {
    func output(step: Int, stream: OutputEvent.Stream, text: String)
    func steps(_ records: [StepRecord]) async
    /// The job's sandbox is open (its label: "local", "e2b:<id>").
    func opened(sandbox label: String) async
    /// An agent's transcript entry, as it happens (`model`: the endpoint's name).
    func transcript(_ entry: TranscriptEntry, model: String) async
    /// Returns once everything told so far is stored: the journal's write-ahead points.
    func checkpoint() async throws
}

extension JobObserver {
    public func opened(sandbox label: String) async {}
    public func transcript(_ entry: TranscriptEntry, model: String) async {}
    public func checkpoint() async throws {}
}

/// Tells every observer, in order.
struct TeeObserver: JobObserver {
    let observers: [any JobObserver]

    func output(step: Int, stream: OutputEvent.Stream, text: String) {
        for o in observers { o.output(step: step, stream: stream, text: text) }
    }

    func steps(_ records: [StepRecord]) async {
        for o in observers { await o.steps(records) }
    }

    func opened(sandbox label: String) async {
        for o in observers { await o.opened(sandbox: label) }
    }

    func transcript(_ entry: TranscriptEntry, model: String) async {
        for o in observers { await o.transcript(entry, model: model) }
    }

    func checkpoint() async throws {
        for o in observers { try await o.checkpoint() }
    }
}

/// Runs a plan step by step in one sandbox session, within per-step and whole-job time limits.
public struct Supervisor: Sendable {
    public var router: ToolRouter
    /// The worker's limits: defaults for a step that asks for none, and caps no step can lift.
    public var policy: LimitPolicy
    /// Whether steps may ask for the network.
    public var allowNetwork: Bool
    /// The worker's own approval rules: every job runs under them, and its own add to them.
    public var approvals = ApprovalRules()
    /// Seconds a call waits for a person before it counts as denied (a job may ask for less).
    public var approvalTimeout: Double = 600

    public init(router: ToolRouter = ToolRouter(), policy: LimitPolicy, allowNetwork: Bool = false) {
        self.router = router
        self.policy = policy
        self.allowNetwork = allowNetwork
    }

    /// Limits that are defaults and caps at once: a step may ask for less, never for more.
    public init(router: ToolRouter = ToolRouter(), limits: ResourceLimits = ResourceLimits(), allowNetwork: Bool = false) {
        self.init(router: router, policy: LimitPolicy(limits), allowNetwork: allowNetwork)
    }

    /// Runs every step; throws `JobFailure` when a step fails (later steps are skipped), and
    /// `CancellationError` when the task is cancelled (the running command is killed). Steps whose
    /// record in `stored` is kept (`keptFrom`: the job was requeued from a later step) do not run.
    public func run(_ job: JobSpec, steps: [StepSpec], in session: any SandboxSession, observer: any JobObserver,
                    approvals gate: ApprovalGate? = nil, stored: [StepRecord] = [], workspace: (any WorkspaceKeeping)? = nil) async throws {
        var records = steps.enumerated().map { i, step in
            stored.indices.contains(i) && stored[i].keptFrom != nil && stored[i].tool == step.tool ? stored[i] : StepRecord(tool: step.tool)
        }
        let deadline = job.timeoutSeconds.map { ContinuousClock.now + .milliseconds(Int($0 * 1000)) }
        for (i, step) in steps.enumerated() where records[i].keptFrom == nil {
            records[i].status = .running
            records[i].startedAt = Date().timeIntervalSince1970
            await observer.steps(records)
            do {
                let result = try await runStep(step, index: i, job: job, deadline: deadline, session: session, observer: observer,
                                               gate: gate, applied: { limits in records[i].limits = StepRecord.Limits(limits) })
                records[i].seconds = result.seconds
                records[i].exitCode = result.exitCode
                records[i].outputBytes = result.outputBytes
                records[i].status = .succeeded
            } catch let failure as StepFailure {
                records[i].seconds = failure.result?.seconds
                records[i].exitCode = failure.result?.exitCode
                records[i].outputBytes = failure.result?.outputBytes ?? 0
                records[i].status = .failed
                records[i].error = failure.failure.description
                for j in (i + 1)..<steps.count { records[j].status = .skipped }
                await observer.steps(records)
                throw failure.failure
            } catch {
                records[i].status = error is CancellationError ? .cancelled : .failed
                records[i].error = error is CancellationError ? "cancelled" : "\(error)"
                for j in (i + 1)..<steps.count { records[j].status = .skipped }
                await observer.steps(records)
                throw error
            }
            // Before the record saying it succeeded is stored: a plan that goes on after this step finds its files.
            try await workspace?.save(turn: i + 1)
        }
        await observer.steps(records)
    }

    struct StepFailure: Error {
        var failure: JobFailure
        var result: ExecResult?
        /// The job's own time ran out: it ends an agent job too, not only the step.
        var endsJob = false
        /// A person (or the approval timeout) said no: the model hears why; an explicit plan ends.
        var denied = false
    }

    func runStep(_ step: StepSpec, index i: Int, job: JobSpec, deadline: ContinuousClock.Instant?,
                 session: any SandboxSession, observer: any JobObserver, gate: ApprovalGate?,
                 applied: (ResourceLimits) -> Void, willRun: () async throws -> Void = {}) async throws -> ExecResult {
        let n = i + 1
        do {
            let tool = try router.tool(step.tool, step: i)
            if step.network == true && !allowNetwork {
                throw JobFailure("step \(n) asks for network access, which this worker does not allow", kind: .permanent)
            }
            try await approve(step, index: i, gate: gate, observer: observer)
            var stepLimits = policy.resolve(step.limits, timeout: step.timeoutSeconds)
            var jobBound = false
            if let deadline {
                let leftSeconds = ContinuousClock.now.duration(to: deadline).seconds
                if leftSeconds <= 0 { throw StepFailure(failure: Self.timedOut(job), result: nil, endsJob: true) }
                if leftSeconds < stepLimits.wallSeconds { stepLimits.wallSeconds = leftSeconds; jobBound = true }
            }
            applied(stepLimits)
            let context = ToolContext(session: session, step: step, index: i, limits: stepLimits, network: step.network == true,
                                      output: { stream, text in observer.output(step: i, stream: stream, text: text) })
            // What must be stored before the tool runs (an agent's journal): if it cannot be, the attempt ends.
            do { try await willRun() } catch let failure as JobFailure { throw StepFailure(failure: failure, result: nil, endsJob: true) }
            let result = try await tool.run(context)
            if Task.isCancelled { throw CancellationError() }
            if let limit = result.limit {
                if limit == .time && jobBound { throw StepFailure(failure: Self.timedOut(job), result: result, endsJob: true) }
                // A time limit may be bad luck; memory, CPU, processes and output are the job's own doing.
                throw StepFailure(failure: JobFailure("step \(n) \(limit.describe(stepLimits))",
                                                      kind: limit == .time ? .retryable : .permanent), result: result)
            }
            if result.exitCode != 0 {
                let how = result.signal.map { "was killed by signal \($0)" } ?? "exited with status \(result.exitCode)"
                throw StepFailure(failure: JobFailure("step \(n) (\(step.tool)) \(how)", kind: .retryable), result: result)
            }
            return result
        } catch let failure as JobFailure {
            throw StepFailure(failure: failure, result: nil)
        } catch let error as SandboxError {
            throw StepFailure(failure: JobFailure("step \(n): \(error.description)", kind: error.retryable ? .retryable : .permanent),
                              result: nil)
        }
    }

    /// Waits for a person when the rules say the call must; throws the denial.
    private func approve(_ step: StepSpec, index i: Int, gate: ApprovalGate?, observer: any JobObserver) async throws {
        guard let gate, let why = gate.rules.reason(for: step) else { return }
        observer.output(step: i, stream: .system, text: "step \(i + 1) (\(step.tool)) waits for approval: \(why)\n")
        // Everything before the wait is stored first (an agent's reply, in its journal): the job may
        // be parked, and resumed by another worker.
        do { try await observer.checkpoint() } catch let failure as JobFailure { throw StepFailure(failure: failure, result: nil, endsJob: true) }
        let decision = try await gate.ask(step, index: i, why: why)
        observer.output(step: i, stream: .system, text: "step \(i + 1) (\(step.tool)) \(decision.describe)\n")
        if !decision.approved {
            throw StepFailure(failure: JobFailure("step \(i + 1) (\(step.tool)) was \(decision.describe)", kind: .permanent), result: nil,
                              denied: true)
        }
    }

    static func timedOut(_ job: JobSpec) -> JobFailure {
        JobFailure("job exceeded its \(seconds(job.timeoutSeconds ?? 0)) s time limit", kind: .retryable)
    }

    static func seconds(_ s: Double) -> String { s == s.rounded() ? String(Int(s)) : String(format: "%.1f", s) }
}
