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
    /// The job's stored transcript, oldest first: the journal a later attempt resumes from.
    func transcript(id: String) async throws -> [TranscriptEntry]
    /// The job's stored step records: a plan requeued from a later step finds the ones it keeps.
    func stepRecords(id: String) async throws -> [StepRecord]
    /// Output, then step records, then transcript entries, each as its own call stores it: what a
    /// running job's observer sends at each flush. A store that can pipeline them sends all three in
    /// one round trip (an agent's journal is flushed several times a turn).
    func report(_ token: ClaimToken, _ batch: ReportBatch) async throws -> ReportOutcome
    /// Where the job's files are in the artifact store (`root`), what they hold now (`held`, when the job
    /// kept them) and what this attempt uploaded, for its record and the queue's metrics. The queue
    /// hands `root` to `takeGoneArtifacts` once the job is deleted or trimmed.
    func recordArtifacts(_ token: ClaimToken, root: String, held: Int?, uploaded: Int) async throws
}

/// What one flush of a running job sends; an empty part is not sent.
public struct ReportBatch: Sendable {
    public var output: [OutputEvent] = []
    public var steps: [StepRecord]?
    public var sandbox: String?
    public var transcript: [TranscriptEntry] = []
    /// The model endpoint the transcript's calls are counted under.
    public var model = ""

    public init(output: [OutputEvent] = [], steps: [StepRecord]? = nil, sandbox: String? = nil, transcript: [TranscriptEntry] = [],
                model: String = "") {
        self.output = output
        self.steps = steps
        self.sandbox = sandbox
        self.transcript = transcript
        self.model = model
    }
}

/// How the store took a `ReportBatch`: the output's and the transcript's answers.
public struct ReportOutcome: Sendable, Equatable {
    public var output: OutputAppend
    public var transcript: OutputAppend

    public init(output: OutputAppend, transcript: OutputAppend) {
        self.output = output
        self.transcript = transcript
    }
}

extension JobReporting {
    /// One call after another: for a store with nothing to gain from pipelining.
    public func report(_ token: ClaimToken, _ batch: ReportBatch) async throws -> ReportOutcome {
        let output = try await appendOutput(token, events: batch.output)
        if let steps = batch.steps { try await record(token, steps: steps, sandbox: batch.sandbox, usage: nil) }
        let transcript = batch.transcript.isEmpty ? OutputAppend(.stored)
            : try await appendTranscript(token, model: batch.model, entries: batch.transcript)
        return ReportOutcome(output: output, transcript: transcript)
    }
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
    /// With `until` (unix seconds), the job waits as scheduled until then instead (a model server
    /// asked for a long wait): it holds no worker meanwhile.
    func release(_ token: ClaimToken, reason: String, until: Double?) async throws -> Bool
    /// Stores a tool call that waits for a person with its job, while the claim is current (false
    /// when it is not). The job stays active; it counts as awaiting approval until decided.
    func askApproval(_ token: ClaimToken, request: ApprovalRequest) async throws -> Bool
    /// Stores the call that waits for a person with its job and gives the job up, while the claim is
    /// current (false when it is not): the job is parked (`awaiting`), no worker holds it and its
    /// lease ends. A decision puts it back at the front of pending, and so does the request's timeout
    /// (denied by the clock, through `promoteDue`); the next attempt takes the decision with
    /// `takeDecision` and goes on from its journal. Parking does not use up an attempt.
    func park(_ token: ClaimToken, request: ApprovalRequest) async throws -> Bool
    /// The decision a parked call got and the request it answers, taken off the job (once), while
    /// the claim is current; nil when there is none.
    func takeDecision(_ token: ClaimToken) async throws -> (request: ApprovalRequest, decision: ApprovalDecision)?
    /// The decision on the waiting call once someone made it, taking the call off the job. With
    /// `timedOut`, no decision yet means that one: the call stops waiting, denied by the clock.
    func settleApproval(_ token: ClaimToken, requestID: String, timedOut: ApprovalDecision?) async throws -> ApprovalSettlement

    /// Returns active jobs whose lease ran out to pending. Safe to run from every worker at once.
    func reapExpiredLeases(queue: String) async throws -> Int
    /// Moves due retries and scheduled jobs to pending.
    func promoteDue(queue: String) async throws -> Int
    /// Applies retention: expires finished jobs, caps the failed set.
    func trim(queue: String) async throws -> Int
    /// Artifact roots of jobs that are gone (deleted, trimmed), at most `limit`, taken off the queue's
    /// list: the caller deletes them from the store, or gives back what it could not.
    func takeGoneArtifacts(queue: String, limit: Int) async throws -> [String]
    func giveBackGoneArtifacts(queue: String, _ roots: [String]) async throws

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
    /// The stored transcript's entries from index `from` on, at most `limit`, and how many stored
    /// items that read covered (entries that do not read as one are skipped but counted, so the
    /// next read starts after them).
    func transcript(id: String, from: Int, limit: Int) async throws -> (entries: [TranscriptEntry], read: Int)
    /// The newest `count` events of a job's output, oldest first: where a follower that only wants
    /// what comes from now on (and the turn being written) starts.
    func lastOutput(id: String, count: Int) async throws -> [OutputEvent]
    /// The queue's outcome counters and attempt-duration histogram, for /metrics.
    func metrics(queue: String) async throws -> QueueMetrics
    func workers() async throws -> [WorkerInfo]
    /// Answers when the store is reachable; throws `QueueUnavailable` when it is not.
    func ping() async throws
    /// Where the queue lives, for a status line (never with a password).
    var address: String { get }
    /// The same queue on a connection of its own, for a reader that blocks (an output stream), so
    /// it never holds up anyone else's calls.
    func withNewConnection(label: String) -> Self
}

/// The queue's store could not be reached, or answered in a way that cannot be used: nothing was
/// changed that the caller can count on, and trying again later is the remedy. A surface says
/// "unavailable" (the API's 503, the console's banner) and loses nothing.
public protocol QueueUnavailable: Error, CustomStringConvertible {
    /// Why, in a few words, without the address (a status line shows that apart).
    var reason: String { get }
}

/// A job as `enqueue(each:)` left it: stored now, or already there under its chosen id.
public struct Enqueued: Sendable, Equatable {
    public var id: String
    /// False when a job with this (chosen) id already existed in the queue: it was left as it was.
    public var created: Bool

    public init(id: String, created: Bool) {
        self.id = id
        self.created = created
    }
}

/// What an operator (or a client) does to jobs: submit, requeue, cancel, delete, pause a queue.
public protocol QueueOperator: Sendable {
    /// Stores the jobs, each atomically: a spec carrying an id that already exists in its queue is
    /// not enqueued twice, and its entry says so.
    func enqueue(each specs: [JobSpec]) async throws -> [Enqueued]
    /// Stores a new job with a journal to start from (a fork's copied turns), in one atomic step:
    /// its first attempt goes on from there. Not enqueued when its id is taken.
    func enqueue(_ spec: JobSpec, journal: [TranscriptEntry]) async throws -> Enqueued
    func requeue(id: String) async throws -> RequeueOutcome
    /// Requeues a finished job with `steps` as its step records, in one step: a plan's steps whose
    /// record is kept (`keptFrom`) are not run again (`jobs requeue --from-step`).
    func requeue(id: String, keeping steps: [StepRecord]) async throws -> RequeueOutcome
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
    /// Gives an unfinished job back to the front of pending without using up an attempt (shutdown).
    public func release(_ token: ClaimToken, reason: String) async throws -> Bool {
        try await release(token, reason: reason, until: nil)
    }

    public func complete(_ token: ClaimToken, result: String?) async throws -> AckOutcome {
        try await complete(token, result: result, next: nil).0
    }
}

extension QueueOperator {
    /// Stores the job and returns its id (an existing job's, when its chosen id is taken).
    public func enqueue(_ spec: JobSpec) async throws -> String { try await enqueue(each: [spec])[0].id }
    public func enqueue(batch specs: [JobSpec]) async throws -> [String] { try await enqueue(each: specs).map(\.id) }
}

extension QueueReader {
    public func transcript(id: String, from: Int) async throws -> (entries: [TranscriptEntry], read: Int) {
        try await transcript(id: id, from: from, limit: 1_000)
    }

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
