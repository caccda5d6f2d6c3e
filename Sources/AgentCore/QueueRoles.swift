import Foundation

// The queue seen by role. Every transition is atomic and idempotent; durations are seconds.
// `RedisJobQueue` is the real implementation, `MemoryJobQueue` the in-memory one, and one contract
// suite holds both to the same behaviour.

/// What a running job reports while it runs: its output and its step records.
public protocol JobReporting: Sendable {
    /// Appends to the job's stored output, within the byte cap the queue keeps per job.
    func appendOutput(_ token: ClaimToken, events: [OutputEvent]) async throws -> OutputAppend
    /// Records the job's step timeline and where it ran, while the claim is current.
    func record(_ token: ClaimToken, steps: [StepRecord], sandbox: String?, usage: (seconds: Double, dollars: Double)?) async throws
    /// Appends an agent's transcript entries, within the byte cap the queue keeps per job, and adds
    /// each model call's turn, tokens and dollars to the job's usage and, with its latency, to the
    /// queue's metrics for `model`, while the claim is current.
    func appendTranscript(_ token: ClaimToken, model: String, entries: [TranscriptEntry]) async throws -> OutputAppend
}

/// What a worker does: take jobs, keep their leases, acknowledge them, and keep the queue healthy.
public protocol WorkerQueue: JobReporting {
    /// Takes the oldest pending job of the first queue that has one, waiting up to `wait` seconds.
    func claim(queues: [String], worker: String, lease: Double, wait: Double) async throws -> ClaimedJob?
    /// Takes one given pending job (not the oldest); nil when it is not pending.
    func claim(id: String, worker: String, lease: Double) async throws -> ClaimedJob?
    /// Stores a new job already claimed by `worker`, in one atomic step: it never waits in pending,
    /// so no other worker can take it (the console's "run it here" of a copy). Nil when the id is taken.
    func enqueueClaimed(_ spec: JobSpec, worker: String, lease: Double) async throws -> ClaimedJob?
    func renew(_ tokens: [ClaimToken], worker: String, lease: Double) async throws -> [ClaimToken: LeaseStatus]
    /// Marks the job succeeded; with `next`, claims the consumer's next job from the same queue in the
    /// same atomic step (one round trip per job for a busy consumer).
    func complete(_ token: ClaimToken, result: String?, next: ClaimRequest?) async throws -> (AckOutcome, ClaimedJob?)
    func fail(_ token: ClaimToken, error: String, kind: FailureKind) async throws -> AckOutcome
    /// Gives an unfinished job back to the front of pending without using up an attempt (shutdown).
    func release(_ token: ClaimToken, reason: String) async throws -> Bool
    /// Stores a tool call that waits for a person with its job, while the claim is current (false
    /// when it is not). The job stays active; it counts as awaiting approval until decided.
    func askApproval(_ token: ClaimToken, request: ApprovalRequest) async throws -> Bool
    /// The decision on the waiting call once someone made it, taking the call off the job. With
    /// `timedOut`, no decision yet means that one: the call stops waiting, denied by the clock.
    func settleApproval(_ token: ClaimToken, requestID: String, timedOut: ApprovalDecision?) async throws -> ApprovalSettlement

    /// Returns active jobs whose lease ran out to pending. Safe to run from every worker at once.
    func reapExpiredLeases(queue: String) async throws -> Int
    /// Moves due retries and scheduled jobs to pending.
    func promoteDue(queue: String) async throws -> Int
    /// Applies retention: expires finished jobs, caps the failed set.
    func trim(queue: String) async throws -> Int

    func heartbeat(_ worker: WorkerInfo, ttl: Double) async throws
    func removeWorker(id: String) async throws
}

/// What a reader sees: numbers, lists, one job, its output, the workers. Reads change nothing.
public protocol QueueReader: Sendable {
    func queues() async throws -> [String]
    func stats(queue: String) async throws -> QueueStats
    /// One page of a state's jobs, newest first, by position.
    func list(queue: String, state: JobState, offset: Int, limit: Int) async throws -> [JobSummary]
    /// The jobs of a state that match the filter, newest first: `limit` of them unless the end (or
    /// `scanLimit` jobs looked at) came first. A page's `next` cursor goes on where it stopped;
    /// nil when there is nothing more. Every queue in turn when `queue` is nil.
    func find(queue: String?, state: JobState, filter: JobFilter, cursor: String?, limit: Int, scanLimit: Int) async throws -> JobPage
    /// How many failed jobs of the queue (or of every queue) match the filter.
    func countFailed(queue: String?, filter: JobFilter) async throws -> Int
    func job(id: String) async throws -> JobRecord?
    /// Output after `offset` ("" for the start); waits up to `wait` seconds for new entries when there are none.
    func readOutput(id: String, after offset: String, limit: Int, wait: Double) async throws -> [OutputEvent]
    /// One page of the queue's jobs whose tool call waits for a person, longest waiting first.
    func awaiting(queue: String, offset: Int, limit: Int) async throws -> [AwaitingApproval]
    /// An agent job's stored transcript, oldest first (empty for other jobs).
    func transcript(id: String) async throws -> [TranscriptEntry]
    func workers() async throws -> [WorkerInfo]
}

/// What an operator (or a client) does to jobs: submit, requeue, cancel, delete, pause a queue.
public protocol QueueOperator: Sendable {
    /// Stores the job and returns its id. A spec carrying an id that already exists is not enqueued twice.
    func enqueue(_ spec: JobSpec) async throws -> String
    func enqueue(batch specs: [JobSpec]) async throws -> [String]
    func requeue(id: String) async throws -> RequeueOutcome
    /// Requeues failed jobs of the queue (or of every queue) that match the filter; returns how many.
    func requeueFailed(queue: String?, filter: JobFilter) async throws -> Int
    func cancel(id: String) async throws -> CancelOutcome
    func delete(id: String) async throws -> DeleteOutcome
    func setPaused(queue: String, _ paused: Bool) async throws
    /// Approves or denies the call the job waits on (`call`: the request id seen; nil: whatever waits
    /// now), and records who did it in the job's history.
    func decideApproval(id: String, call: String?, decision: ApprovalDecision) async throws -> ApprovalOutcome
}

/// Everything: what the console, the CLI and a worker process hold.
public typealias JobQueue = WorkerQueue & QueueReader & QueueOperator

extension WorkerQueue {
    public func complete(_ token: ClaimToken, result: String?) async throws -> AckOutcome {
        try await complete(token, result: result, next: nil).0
    }
}

extension QueueReader {
    public func find(queue: String?, state: JobState, filter: JobFilter, cursor: String? = nil, limit: Int) async throws -> JobPage {
        try await find(queue: queue, state: state, filter: filter, cursor: cursor, limit: limit, scanLimit: .max)
    }
}

extension QueueReader {
    /// The transcript of a job that ran an agent; no read at all for one that did not.
    public func transcript(of job: JobRecord) async throws -> [TranscriptEntry] {
        job.agent == nil ? [] : try await transcript(id: job.id)
    }
}
