import Foundation
import Logging

/// What became of one job.
public struct JobOutcome: Sendable {
    public var ack: AckOutcome?
    public var error: String?
    public var seconds: Double
    /// The job the acknowledgement claimed next, when the consumer asked for one.
    public var next: ClaimedJob?
}

/// Chooses the sandbox a job runs in.
public protocol SandboxRouting: Sendable {
    func provider(for job: JobSpec) throws -> any SandboxProvider
}

/// Every job runs in the one provider given.
public struct SingleSandbox: SandboxRouting {
    public let provider: any SandboxProvider
    public init(_ provider: any SandboxProvider) { self.provider = provider }
    public func provider(for job: JobSpec) throws -> any SandboxProvider { provider }
}

/// claim -> plan -> supervise -> acknowledge, for one job.
public struct JobProcessor: Sendable {
    public var planner: any Planner
    public var supervisor: Supervisor
    public var sandboxes: any SandboxRouting
    public var logger: Logger
    /// The loops of free-text tasks; without it a task job fails, saying it needs a model endpoint.
    public var agents: (any AgentSource)?
    /// Where workspaces are checkpointed and jobs' files kept; without it a workspace lives and dies with its attempt.
    public var keepers: (any WorkspaceKeepers)?

    public init(planner: any Planner = StepsPlanner(), supervisor: Supervisor, sandboxes: any SandboxRouting, logger: Logger,
                agents: (any AgentSource)? = nil, keepers: (any WorkspaceKeepers)? = nil) {
        self.agents = agents
        self.keepers = keepers
        self.planner = planner
        self.supervisor = supervisor
        self.sandboxes = sandboxes
        self.logger = logger
    }

    /// Runs the job and acknowledges it on `queue`. With `next`, a success also claims the next job.
    /// `watch` sees what the queue is told, as it happens (`swissagent run` prints it).
    public func process(_ job: ClaimedJob, queue: any WorkerQueue, control: JobControl, next: ClaimRequest?,
                        watch: (any JobObserver)? = nil) async -> JobOutcome {
        let start = ContinuousClock.now
        var log = logger
        log[metadataKey: "job"] = "\(job.id)"
        log[metadataKey: "queue"] = "\(job.queue)"
        log.info("job claimed", metadata: ["attempt": "\(job.attempt)"])

        let result = await run(job, queue: queue, control: control, watch: watch)
        let seconds = (ContinuousClock.now - start).seconds
        do {
            switch result {
            case .snoozed(let snooze):
                _ = try await queue.release(job.token, reason: "\(snooze.reason); waits until then", until: snooze.until)
                log.warning("job snoozed: the model server asked for a wait", metadata: ["until": "\(snooze.until)"])
                return JobOutcome(ack: nil, error: "snoozed", seconds: seconds)
            case .parked:
                // Nothing to acknowledge: the queue holds the job until its call is decided.
                log.info("job parked: a call waits for a person", metadata: ["seconds": "\(String(format: "%.3f", seconds))"])
                return JobOutcome(ack: nil, error: "parked", seconds: seconds)
            case .succeeded(let summary):
                let (ack, claimed) = try await queue.complete(job.token, result: summary, next: next)
                log.info("job succeeded", metadata: ["seconds": "\(String(format: "%.3f", seconds))", "ack": "\(ack.rawValue)"])
                return JobOutcome(ack: ack, seconds: seconds, next: claimed)
            case .failed(let failure):
                if let reason = control.stopReason {
                    switch reason {
                    case .leaseLost:
                        log.warning("job abandoned: its lease was lost and another worker has it")
                        return JobOutcome(ack: nil, error: "lease lost", seconds: seconds)
                    case .shutdown:
                        _ = try await queue.release(job.token, reason: "worker shut down before the job finished")
                        log.warning("job returned to pending: worker shutting down")
                        return JobOutcome(ack: nil, error: "released", seconds: seconds)
                    case .cancelRequested:
                        let ack = try await queue.fail(job.token, error: "cancelled by request", kind: .cancelled)
                        log.info("job cancelled")
                        return JobOutcome(ack: ack, error: "cancelled", seconds: seconds)
                    }
                }
                let ack = try await queue.fail(job.token, error: failure.description, kind: failure.kind)
                log.error("job \(ack == .retrying ? "failed, will retry" : "failed")", metadata: ["error": "\(failure.description)"])
                return JobOutcome(ack: ack, error: failure.description, seconds: seconds)
            }
        } catch {
            // The acknowledgement itself failed (Redis away): the lease runs out and the job runs again.
            log.error("cannot acknowledge job: \(error)")
            return JobOutcome(ack: nil, error: "\(error)", seconds: seconds)
        }
    }

    private func run(_ job: ClaimedJob, queue: any WorkerQueue, control: JobControl,
                     watch: (any JobObserver)?) async -> AttemptEnd {
        let spec: JobSpec
        do {
            spec = try JobSpecParser(knownTools: Set(supervisor.router.names), storedRecord: true).parse(Data(job.specJSON.utf8), defaultQueue: job.queue)
        } catch {
            return .failed(JobFailure("invalid job payload: \(error)", kind: .permanent))
        }
        let work = Task { () -> AttemptEnd in
            var session: (any SandboxSession)?
            var observer: QueueObserver?
            var kept: (any WorkspaceKeeping)?
            do {
                let provider = try sandboxes.provider(for: spec)
                // A task with no steps is the agent's, chosen (and checked for residency) before any sandbox opens.
                let task = spec.steps.isEmpty ? spec.task.flatMap { $0.isEmpty ? nil : $0 } : nil
                let agent = try task.flatMap { _ in try agents?.loop(for: spec) }
                let steps = agent == nil ? try await planner.plan(spec) : []
                let opened = try await openSandbox(provider, job: job, spec: spec)
                session = opened
                let obs = QueueObserver(queue: queue, token: job.token, sandbox: opened.label)
                observer = obs
                obs.start()
                await watch?.opened(sandbox: opened.label)
                let observer: any JobObserver = watch.map { TeeObserver(observers: [obs, $0]) } ?? obs
                let keeper = keepers?.keeper(for: spec, id: job.id, session: opened)
                kept = keeper
                var summary = "\(steps.count) step\(steps.count == 1 ? "" : "s") succeeded"
                let gate = ApprovalGate.forJob(spec, worker: supervisor.approvals, timeout: supervisor.approvalTimeout,
                                               asker: QueueApprovals(queue: queue, token: job.token, parks: agent != nil))
                if let agent, let task {
                    // An attempt goes on from the journal earlier ones stored (one read; empty for a first
                    // attempt). Not only a retry: a job given back at shutdown runs again as the same attempt.
                    // A requeued job is run afresh, as requeue promises: its old journal is not gone on from.
                    var journal: AgentJournal? = job.previous?.event == "requeued" ? nil : AgentJournal(try await queue.transcript(id: job.id))
                    if let unusable = journal?.unusable {
                        logger.warning("cannot resume the agent run: \(unusable)", metadata: ["job": "\(job.id)"])
                        journal = nil
                    }
                    // A run that starts afresh does not inherit an earlier run's checkpoints.
                    if journal?.isEmpty ?? true, job.attempt > 1 || job.previous != nil { try await keeper?.discard(after: 0) }
                    summary = try await supervisor.runAgent(spec, task: task, loop: agent, in: opened, observer: observer,
                                                            approvals: gate, journal: journal, previous: job.previous, workspace: keeper).answer
                } else {
                    // A plan requeued from a later step keeps the records of the steps before it (one read,
                    // for plans of more than one step: a single step has nothing to keep).
                    var stored = steps.count > 1 ? try await queue.stepRecords(id: job.id) : []
                    if let keeper {
                        stored = try await PlanResume.prepare(stored, steps: steps, previous: job.previous, attempt: job.attempt,
                                                              keeper: keeper, observer: observer)
                    }
                    try await supervisor.run(spec, steps: steps, in: opened, observer: observer, approvals: gate, stored: stored,
                                             workspace: keeper)
                }
                // The job's files: what its workspace holds as it ends.
                if let keeper { try await recordArtifacts(keeper, held: try await keeper.keep(), job: job, queue: queue) }
                await obs.finish()
                await opened.close()
                if let usage = opened.usage() { await obs.usage(usage) }
                return .succeeded(summary)
            } catch {
                // A job that failed for good keeps its files too: what it left is what someone looks at.
                if let kept {
                    var held: Int?
                    if let failure = error as? JobFailure, failure.kind == .permanent {
                        do { held = try await kept.keep() } catch { logger.warning("cannot keep the failed job's files: \(error)", metadata: ["job": "\(job.id)"]) }
                    }
                    try? await recordArtifacts(kept, held: held, job: job, queue: queue)
                }
                await observer?.finish()
                if let session { await leave(session, after: error, stop: control.stopReason) }
                if let usage = session?.usage() { await observer?.usage(usage) }
                if error is JobParked { return .parked }
                if let snooze = error as? JobSnoozed { return .snoozed(snooze) }
                if let failure = error as? JobFailure { return .failed(failure) }
                if let sandbox = error as? SandboxError {
                    return .failed(JobFailure(sandbox.description, kind: sandbox.retryable ? .retryable : .permanent))
                }
                if let store = error as? ArtifactStoreError {
                    // Retried whatever the store said: a worker's store being down or misconfigured is no fault of the job's.
                    return .failed(JobFailure("cannot checkpoint the workspace: \(store.description)", kind: .retryable))
                }
                if error is CancellationError { return .failed(JobFailure("cancelled", kind: .cancelled)) }
                return .failed(JobFailure("\(error)", kind: .retryable))
            }
        }
        control.attach { work.cancel() }
        return await withTaskCancellationHandler {
            await work.value
        } onCancel: {
            work.cancel()
        }
    }
}

extension JobProcessor {
    /// The job's sandbox: an earlier attempt's, found again where the provider keeps them (E2B), else a new one.
    func openSandbox(_ provider: any SandboxProvider, job: ClaimedJob, spec: JobSpec) async throws -> any SandboxSession {
        if let label = job.sandbox, let keeping = provider as? any ReconnectingSandboxProvider {
            do {
                if let found = try await keeping.reconnect(label: label, jobID: job.id) {
                    logger.info("connected to the job's sandbox of an earlier attempt", metadata: ["job": "\(job.id)", "sandbox": "\(label)"])
                    return found
                }
                logger.info("the job's earlier sandbox is gone: making a new one", metadata: ["job": "\(job.id)", "sandbox": "\(label)"])
            } catch {
                logger.warning("cannot connect to the job's earlier sandbox, making a new one: \(error)", metadata: ["job": "\(job.id)"])
            }
        }
        return try await provider.open(jobID: job.id, env: spec.env)
    }

    /// What the attempt stored, on the job and in the queue's metrics: a round trip only when it stored something.
    func recordArtifacts(_ keeper: any WorkspaceKeeping, held: Int?, job: ClaimedJob, queue: any WorkerQueue) async throws {
        let uploaded = await keeper.uploadedBytes
        guard uploaded > 0 || (held ?? 0) > 0 else { return }
        try? await queue.recordArtifacts(job.token, root: keeper.root, held: held, uploaded: uploaded)
    }

    /// What becomes of a sandbox whose attempt ends without the job ending: one that can be kept is
    /// paused for the next attempt (a wait for a person or a model server, a retry, a shutdown), or left
    /// alone when another worker has the job; any other is closed.
    func leave(_ session: any SandboxSession, after error: any Error, stop: StopReason?) async {
        guard let kept = session as? any KeptSandbox else { return await session.close() }
        // A parked job has no lease by design (its renewal may say "lost" first): it is this worker's to pause.
        if error is JobParked || error is JobSnoozed { return await kept.pause() }
        if stop == .leaseLost { return await kept.detach() }
        let waits = stop == .shutdown || ((error as? JobFailure)?.kind == .retryable && stop == nil) || error is SandboxError
            || error is ArtifactStoreError
        if waits { await kept.pause() } else { await kept.close() }
    }
}

/// How an attempt ended, before it is acknowledged.
enum AttemptEnd: Sendable {
    case succeeded(String)
    case failed(JobFailure)
    /// A call waits for a person and the job was parked: the queue holds it, not this worker.
    case parked
    /// The model server asked for a long wait: the job is given back, scheduled for then.
    case snoozed(JobSnoozed)
}
