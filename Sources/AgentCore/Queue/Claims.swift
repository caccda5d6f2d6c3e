import Foundation

/// A job handed to one consumer. `claim` is the token every later acknowledgement must carry:
/// an ack with an older token (the job was reclaimed meanwhile) is ignored and recorded.
public struct ClaimedJob: Sendable, Equatable {
    public var id: String
    public var queue: String
    public var specJSON: String
    public var claim: Int
    public var attempt: Int
    public var enqueuedAt: Date
    /// The job's last history event before this claim: why an earlier attempt ended (its worker
    /// died, it was given back, it failed and is retried), for a resumed run to say.
    public var previous: JobEvent?
    /// The sandbox an earlier attempt ran in ("e2b:ID"): a later attempt connects to it rather than making another.
    public var sandbox: String?

    public init(id: String, queue: String, specJSON: String, claim: Int, attempt: Int, enqueuedAt: Date, previous: JobEvent? = nil,
                sandbox: String? = nil) {
        self.previous = previous
        self.sandbox = sandbox
        self.id = id
        self.queue = queue
        self.specJSON = specJSON
        self.claim = claim
        self.attempt = attempt
        self.enqueuedAt = enqueuedAt
    }

    public var token: ClaimToken { ClaimToken(id: id, queue: queue, claim: claim, attempt: attempt) }
}

public struct ClaimToken: Sendable, Hashable {
    public var id: String
    public var queue: String
    public var claim: Int
    /// The attempt this claim is (1-based), for the retry backoff.
    public var attempt: Int

    public init(id: String, queue: String, claim: Int, attempt: Int) {
        self.id = id
        self.queue = queue
        self.claim = claim
        self.attempt = attempt
    }
}

/// Who is claiming, and for how long (seconds) the lease runs.
public struct ClaimRequest: Sendable {
    public var worker: String
    public var lease: Double

    public init(worker: String, lease: Double) {
        self.worker = worker
        self.lease = lease
    }
}

/// What happened to an acknowledgement.
public enum AckOutcome: String, Sendable {
    case succeeded, retrying, failed, cancelled
    /// The same acknowledgement arrived again; nothing changed.
    case duplicate
    /// The job was no longer this consumer's (its lease ran out and it was taken back); recorded in its history.
    case stale
    case missing
}

/// How a failed attempt should end.
public enum FailureKind: String, Sendable {
    /// Retry after a backoff while attempts remain.
    case retryable
    /// Retrying cannot help (bad input, unknown tool): straight to failed.
    case permanent
    /// The job was cancelled while running.
    case cancelled
}

/// The answer to a lease renewal, per job.
public enum LeaseStatus: String, Sendable {
    case ok
    /// Cancellation was requested: stop the job and acknowledge it as cancelled.
    case cancelRequested = "cancel"
    /// The job is no longer this consumer's: stop and do not acknowledge.
    case lost
}
