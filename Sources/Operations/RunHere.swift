import AgentCore
import Foundation

/// Runs a job in this process ("run it here"): the console's action and `run`. The job runs
/// through a `JobRunner`, so under the processor it was given: the same sandboxes, limit policy,
/// approvals and models a worker built from the same options runs it with.
public final class RunHere: Sendable {
    public let queue: any JobQueue
    public let runner: JobRunner
    private let leases: Task<Void, Never>

    /// Who holds the claims made here: "console@host:pid".
    public static func workerID(_ surface: String) -> String {
        surface + "@" + ProcessInfo.processInfo.hostName + ":" + String(ProcessInfo.processInfo.processIdentifier)
    }

    public init(queue: any JobQueue, processor: JobProcessor, worker: String = RunHere.workerID("console"), lease: Double = 30) {
        self.queue = queue
        let runner = JobRunner(processor: processor, worker: worker, lease: lease)
        self.runner = runner
        // Every job run here keeps its lease for as long as this lives.
        leases = Task { await runner.keepLeases(on: queue, every: lease / 3) }
    }

    deinit { leases.cancel() }

    /// What starting a job here came to.
    public enum Start: Sendable, Equatable {
        /// Running: `id` is the job that runs (a copy's id when `copyOf` is set); `agent` when it is
        /// a task job (its transcript is what to watch).
        case running(id: String, copyOf: String?, agent: Bool)
        /// Not run, and why.
        case refused(String)

        public var message: String {
            switch self {
            case .running(let id, nil, _): "running \(id) here"
            case .running(let id, let original?, _): "running \(id) here, a copy of \(original)"
            case .refused(let why): why
            }
        }
    }

    /// Takes the job (a pending one), or a copy of it (anything else), and runs it in the
    /// background. A copy is stored already claimed here, so a live worker cannot take it first.
    public func start(_ id: String) async throws -> Start {
        let claimed: ClaimedJob
        switch try await take(id) {
        case .success(let job): claimed = job
        case .failure(let refusal): return .refused(refusal.why)
        }
        let runner = runner, queue = queue
        Task.detached { _ = await runner.run(claimed, on: queue) }
        return .running(id: claimed.id, copyOf: claimed.id == id ? nil : id, agent: SpecDigest(json: claimed.specJSON).task != nil)
    }

    /// Takes the pending job `id` and runs it to its outcome here, reporting to `watch`.
    public func run(_ id: String, watch: (any JobObserver)? = nil) async throws -> JobOutcome? {
        guard let job = try await queue.claim(id: id, worker: runner.worker, lease: runner.lease) else { return nil }
        return await runner.run(job, on: queue, watch: watch)
    }

    struct Refusal: Error { let why: String }

    private func take(_ id: String) async throws -> Result<ClaimedJob, Refusal> {
        if let job = try await queue.claim(id: id, worker: runner.worker, lease: runner.lease) { return .success(job) }
        guard let record = try await queue.job(id: id) else { return .failure(Refusal(why: "\(id) is gone")) }
        guard record.state != .active else { return .failure(Refusal(why: "\(id) is running on \(record.worker ?? "a worker")")) }
        let copy = try JobCopy.spec(record.specJSON, of: id)
        guard let job = try await queue.enqueueClaimed(copy, worker: runner.worker, lease: runner.lease) else {
            return .failure(Refusal(why: "could not take \(id): another worker took it first"))
        }
        return .success(job)
    }
}
