import Foundation

/// The queue every part of swissagent talks to. Every transition is atomic and idempotent; see
/// `RedisJobQueue` for the Redis implementation. Durations are seconds.
public protocol JobQueue: Sendable {
    /// Stores the job and returns its id. A spec carrying an id that already exists is not enqueued twice.
    func enqueue(_ spec: JobSpec) async throws -> String
    func enqueue(batch specs: [JobSpec]) async throws -> [String]

    /// Takes the oldest pending job of the first queue that has one, waiting up to `wait` seconds.
    func claim(queues: [String], worker: String, lease: Double, wait: Double) async throws -> ClaimedJob?
    /// Takes one given pending job (not the oldest); nil when it is not pending.
    func claim(id: String, worker: String, lease: Double) async throws -> ClaimedJob?
    func renew(_ tokens: [ClaimToken], worker: String, lease: Double) async throws -> [ClaimToken: LeaseStatus]
    /// Marks the job succeeded; with `next`, claims the consumer's next job from the same queue in the
    /// same atomic step (one round trip per job for a busy consumer).
    func complete(_ token: ClaimToken, result: String?, next: ClaimRequest?) async throws -> (AckOutcome, ClaimedJob?)
    func fail(_ token: ClaimToken, error: String, kind: FailureKind) async throws -> AckOutcome

    /// Gives an unfinished job back to the front of pending without using up an attempt (shutdown).
    func release(_ token: ClaimToken, reason: String) async throws -> Bool
    /// Records the job's step timeline and where it ran, while the claim is current.
    func record(_ token: ClaimToken, steps: [StepRecord], sandbox: String?, usage: (seconds: Double, dollars: Double)?) async throws

    /// Returns active jobs whose lease ran out to pending. Safe to run from every worker at once.
    func reapExpiredLeases(queue: String) async throws -> Int
    /// Moves due retries and scheduled jobs to pending.
    func promoteDue(queue: String) async throws -> Int
    /// Applies retention: expires finished jobs, caps the failed set.
    func trim(queue: String) async throws -> Int

    func requeue(id: String) async throws -> RequeueOutcome
    /// Requeues failed jobs of the queue (or of every queue) that match the filter; returns how many.
    func requeueFailed(queue: String?, filter: JobFilter) async throws -> Int
    func countFailed(queue: String?, filter: JobFilter) async throws -> Int
    func cancel(id: String) async throws -> CancelOutcome
    func delete(id: String) async throws -> DeleteOutcome
    func setPaused(queue: String, _ paused: Bool) async throws

    /// Appends to the job's stored output, within the byte cap the queue keeps per job.
    func appendOutput(_ token: ClaimToken, events: [OutputEvent]) async throws -> OutputAppend
    /// Output after `offset` ("" for the start); waits up to `wait` seconds for new entries when there are none.
    func readOutput(id: String, after offset: String, limit: Int, wait: Double) async throws -> [OutputEvent]

    func queues() async throws -> [String]
    func stats(queue: String) async throws -> QueueStats
    func list(queue: String, state: JobState, offset: Int, limit: Int) async throws -> [JobSummary]
    func job(id: String) async throws -> JobRecord?

    func heartbeat(_ worker: WorkerInfo, ttl: Double) async throws
    func removeWorker(id: String) async throws
    func workers() async throws -> [WorkerInfo]
}

extension JobQueue {
    public func complete(_ token: ClaimToken, result: String?) async throws -> AckOutcome {
        try await complete(token, result: result, next: nil).0
    }
}
