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

    public init(id: String, queue: String, specJSON: String, claim: Int, attempt: Int, enqueuedAt: Date) {
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

public enum CancelOutcome: Sendable, Equatable {
    case cancelled
    /// Active: the worker running it was signalled and will stop it.
    case requested
    case alreadyFinished(JobState)
    case notFound
}

/// `notRequeueable`: the job is pending or active (the state says which).
public enum RequeueOutcome: Sendable, Equatable { case requeued, notRequeueable(JobState), notFound }

/// `active`: refused, a running job is cancelled first.
public enum DeleteOutcome: Sendable, Equatable { case deleted, active, notFound }

/// Which failed jobs a bulk requeue takes: all of them, or those whose error, tools, tenant or
/// metadata (`key=value`) contain `text` (case-insensitive).
public struct JobFilter: Sendable, Equatable {
    public var text: String?
    /// Treat `text` as a regular expression (case-insensitive) rather than a substring.
    public var regex: Bool
    /// Only this tenant's jobs (exact).
    public var tenant: String?

    public init(text: String? = nil, regex: Bool = false, tenant: String? = nil) {
        self.text = text
        self.regex = regex
        self.tenant = tenant
    }

    /// What a person types: `tenant:NAME` words pick the tenant, the rest is the text to match.
    public init(query: String?, regex: Bool = false) {
        var words: [Substring] = []
        var tenant: String?
        for word in (query ?? "").split(separator: " ", omittingEmptySubsequences: true) {
            if word.hasPrefix("tenant:"), word.count > 7 { tenant = String(word.dropFirst(7)) } else { words.append(word) }
        }
        self.init(text: words.isEmpty ? nil : words.joined(separator: " "), regex: regex, tenant: tenant)
    }

    /// `budget`: shared by a bulk action's every record (see `bulkRegexSeconds`).
    public func matches(error: String?, specJSON: String?, id: String? = nil,
                        budget: RegexBudget = RegexBudget(seconds: JobFilter.regexSeconds)) -> Bool {
        let digest = SpecDigest(json: specJSON)
        if let tenant, digest.tenant != tenant { return false }
        guard let test = textTest(budget: budget) else { return true }
        return ([id, error, digest.tenant] + digest.tools + digest.metadata.map { "\($0.key)=\($0.value.displayText)" })
            .contains { $0.map(test) ?? false }
    }

    /// The same test on a listed job: its id, error, tools, tenant and metadata (key=value).
    public func matches(_ job: JobSummary) -> Bool { matcher()(job) }

    /// `matches` with the pattern compiled once, for a walk over many jobs. A regular expression
    /// spends `budget` (a walk ends its page once it is spent); past it nothing more matches.
    public func matcher(budget: RegexBudget = RegexBudget(seconds: JobFilter.regexSeconds)) -> @Sendable (JobSummary) -> Bool {
        let tenant = tenant
        guard let test = textTest(budget: budget) else { return { job in tenant.map { job.tenant == $0 } ?? true } }
        return { job in
            if let tenant, job.tenant != tenant { return false }
            return ([job.id, job.lastError, job.tools, job.tenant] + job.metadata).contains { $0.map(test) ?? false }
        }
    }

    /// The time one walk (or one record's test) may spend matching a regular expression. Task-local
    /// so a test can make it short: a match runs on one of the process's few cooperative threads.
    @TaskLocal public static var regexSeconds = 1.0
    /// The time a bulk action (requeue or count every failed job matching) may spend matching: past
    /// it the action changes nothing and says why (`FilterTooSlow`).
    @TaskLocal public static var bulkRegexSeconds = 5.0

    /// nil when there is no text to match.
    private func textTest(budget: RegexBudget) -> (@Sendable (String) -> Bool)? {
        guard let text, !text.isEmpty else { return nil }
        if regex, let re = try? NSRegularExpression(pattern: text, options: [.caseInsensitive]) {
            return { budget.firstMatch(re, in: $0) ?? false }
        }
        let needle = text.lowercased()
        return { $0.lowercased().contains(needle) }
    }
}

/// A queue's depth and rates, all read in O(1).
public struct QueueStats: Sendable, Equatable {
    public var queue: String
    public var paused: Bool
    public var pending: Int
    public var active: Int
    public var scheduled: Int
    public var retrying: Int
    public var failed: Int
    public var succeeded: Int
    public var cancelled: Int
    /// Active jobs whose lease ran out and that the reaper has not yet returned.
    public var orphaned: Int
    /// Active jobs whose tool call waits for a person.
    public var awaiting = 0
    public var oldestPendingAge: Double?
    /// Last 60 minutes, oldest first; the last element is the current minute.
    public var processedPerMinute: [Int]
    public var failedPerMinute: [Int]

    public init(queue: String, paused: Bool = false, pending: Int = 0, active: Int = 0, scheduled: Int = 0, retrying: Int = 0,
                failed: Int = 0, succeeded: Int = 0, cancelled: Int = 0, orphaned: Int = 0, oldestPendingAge: Double? = nil,
                processedPerMinute: [Int] = [], failedPerMinute: [Int] = []) {
        self.queue = queue
        self.paused = paused
        self.pending = pending
        self.active = active
        self.scheduled = scheduled
        self.retrying = retrying
        self.failed = failed
        self.succeeded = succeeded
        self.cancelled = cancelled
        self.orphaned = orphaned
        self.oldestPendingAge = oldestPendingAge
        self.processedPerMinute = processedPerMinute
        self.failedPerMinute = failedPerMinute
    }

    public func count(_ state: JobState) -> Int {
        switch state {
        case .pending: pending
        case .active: active
        case .scheduled: scheduled
        case .retrying: retrying
        case .failed: failed
        case .succeeded: succeeded
        case .cancelled: cancelled
        }
    }
}

/// A live worker, as its heartbeat last said.
public struct WorkerInfo: Sendable, Equatable, Codable {
    public var id: String
    public var host: String
    public var pid: Int
    public var startedAt: Double
    public var heartbeatAt: Double
    public var queues: [String]
    public var concurrency: Int
    public var currentJobs: [String]

    public init(id: String, host: String, pid: Int, startedAt: Double, heartbeatAt: Double, queues: [String], concurrency: Int,
                currentJobs: [String]) {
        self.id = id
        self.host = host
        self.pid = pid
        self.startedAt = startedAt
        self.heartbeatAt = heartbeatAt
        self.queues = queues
        self.concurrency = concurrency
        self.currentJobs = currentJobs
    }

    enum CodingKeys: String, CodingKey {
        case id, host, pid, queues, concurrency
        case startedAt = "started_at", heartbeatAt = "heartbeat_at", currentJobs = "current_jobs"
    }
}

/// One chunk of a job's output, as stored in its stream.
public struct OutputEvent: Sendable, Equatable {
    /// `model`: an agent's model writing, as it streams; `agent`: one transcript entry as JSON
    /// (`TranscriptEntry`), a typed event that is kept whole or not at all.
    public enum Stream: String, Sendable { case stdout, stderr, system, model, agent }

    /// The stream entry id ("1700000000000-0"); empty before it is stored.
    public var offset: String
    public var step: Int
    public var stream: Stream
    public var text: String

    public init(offset: String = "", step: Int, stream: Stream, text: String) {
        self.offset = offset
        self.step = step
        self.stream = stream
        self.text = text
    }
}

/// What became of appended output.
public struct OutputAppend: Sendable, Equatable {
    public enum Outcome: String, Sendable { case stored, full, stale }
    /// `full`: the job's stored output reached its cap, and what did not fit was dropped (the stream
    /// says so); `stale`: the claim is no longer current or the job is gone, and nothing was written.
    public var outcome: Outcome
    /// Bytes of this batch that were not stored.
    public var droppedBytes: Int

    public init(_ outcome: Outcome, droppedBytes: Int = 0) {
        self.outcome = outcome
        self.droppedBytes = droppedBytes
    }
}

/// How long finished jobs are kept.
public struct RetentionPolicy: Sendable, Equatable {
    public var succeededSeconds: Double
    public var failedSeconds: Double
    public var failedMaxCount: Int

    public init(succeededSeconds: Double = 24 * 3600, failedSeconds: Double = 30 * 24 * 3600, failedMaxCount: Int = 100_000) {
        self.succeededSeconds = succeededSeconds
        self.failedSeconds = failedSeconds
        self.failedMaxCount = failedMaxCount
    }
}
