import Foundation

/// `JobQueue` in memory: the same transitions as `RedisJobQueue`, kept in one process, for tests of
/// logic that needs a queue and for the contract suite that holds both implementations to the
/// same behaviour. Times come from the injected clock.
/// `@unchecked Sendable`: `state` is only touched while holding `lock`.
public final class MemoryJobQueue: @unchecked Sendable {
    let lock = NSLock()
    var state = MemoryQueueState()
    let clock: @Sendable () -> Date
    let policy: MemoryQueuePolicy
    var retry: RetryPolicy { policy.retry }
    var retention: RetentionPolicy { policy.retention }
    var maxOrphans: Int { policy.maxOrphans }
    var outputMaxEntries: Int { policy.outputMaxEntries }
    var outputMaxBytes: Int { policy.outputMaxBytes }
    var transcriptMaxBytes: Int { policy.transcriptMaxBytes }

    public init(_ policy: MemoryQueuePolicy = MemoryQueuePolicy(), clock: @escaping @Sendable () -> Date = { Date() }) {
        self.policy = policy
        self.clock = clock
    }

    /// Unix milliseconds now, as the Redis queue counts them.
    var nowMs: Double { (clock().timeIntervalSince1970 * 1000).rounded(.down) }

    func withState<T>(_ body: (inout MemoryQueueState) throws -> T) rethrows -> T {
        try lock.withLock { try body(&state) }
    }
}

/// How a `MemoryJobQueue` retries, keeps and caps, as `RedisJobQueue`'s settings of the same names.
public struct MemoryQueuePolicy: Sendable {
    public var retry = RetryPolicy()
    public var retention = RetentionPolicy()
    /// Jobs orphaned this many times go to failed instead of running again.
    public var maxOrphans = 10
    public var outputMaxEntries = 10_000
    /// Bytes of output kept per job, over all its attempts.
    public var outputMaxBytes = 16 << 20
    /// Bytes of transcript (as JSON) kept per job, over all its attempts.
    public var transcriptMaxBytes = 4 << 20

    public init() {}
}

/// Everything a `MemoryJobQueue` holds.
struct MemoryQueueState {
    var queues: [String: MemoryQueueData] = [:]
    /// The queues jobs were submitted to (or that were paused), as `queues()` lists them.
    var names: Set<String> = []
    var workers: [String: (info: WorkerInfo, expiresAt: Double)] = [:]
    var outputSequence = 0

    subscript(queue name: String) -> MemoryQueueData {
        get { queues[name] ?? MemoryQueueData() }
        // In place: a get-then-set would copy the queue's whole job table on every change.
        _modify { yield &queues[name, default: MemoryQueueData()] }
    }

    /// Failed jobs of one queue, or of all, that match the filter, newest first; every queue's
    /// matches before any action, so a filter that runs out of time changes nothing.
    func matchingFailed(queue: String?, filter: JobFilter) throws(FilterTooSlow) -> [(queue: String, ids: [String])] {
        let budget = RegexBudget(seconds: JobFilter.bulkRegexSeconds)
        let matched = (queue.map { [$0] } ?? names.sorted()).map { q in
            let data = self[queue: q]
            return (queue: q, ids: data.descending(.failed).filter {
                filter.matches(error: data.jobs[$0]?.error, specJSON: data.jobs[$0]?.spec, budget: budget)
            })
        }
        if budget.exhausted { throw FilterTooSlow() }
        return matched
    }

    /// The queue holding a job with this id (queue names in order, as Redis looks them up).
    func locate(_ id: String) -> String? {
        queues.keys.sorted().first { queues[$0]?.jobs[id] != nil }
    }
}

/// One queue: its jobs and the lists and sets that order them, as in Redis.
struct MemoryQueueData {
    var jobs: [String: MemoryJob] = [:]
    /// Newest first; a claim takes the last (the oldest).
    var pending: [String] = []
    /// Most recently claimed first.
    var active: [String] = []
    /// Scored sets (unix ms): scheduled, retrying (by when due), and the finished states (by when).
    var sets: [JobState: [String: Double]] = [:]
    var paused = false
    var processed: [Int: Int] = [:]
    var failedCount: [Int: Int] = [:]
    var metrics = QueueMetrics()
    /// Artifact roots of jobs that went (deleted, trimmed), oldest last, as the Redis list.
    var goneArtifacts: [String] = []

    /// A job that goes hands its artifact root to the sweeper's list, as the scripts' `artifacts_gone`.
    mutating func forget(_ id: String) {
        if let job = jobs[id], let root = job.artifacts {
            goneArtifacts.insert(root, at: 0)
            metrics.artifactStored -= job.artifactBytes ?? 0
        }
        jobs[id] = nil
    }

    /// Counts a finished attempt of `job` in the queue's metrics, as the scripts' `observe`.
    mutating func observe(_ outcome: QueueMetrics.Outcome, _ job: MemoryJob, now: Double) {
        metrics.observe(outcome, ms: job.claimedAt.map { Int(now - $0) })
    }

    mutating func bump(minute: Int, failed: Bool) {
        processed[minute, default: 0] += 1
        if failed { failedCount[minute, default: 0] += 1 }
    }

    /// A scored set's ids, highest score first (ties: the greater id first, as ZREVRANGE orders them).
    func descending(_ state: JobState) -> [String] {
        (sets[state] ?? [:]).sorted { $0.value != $1.value ? $0.value > $1.value : $0.key > $1.key }.map(\.key)
    }

    mutating func removeEverywhere(_ id: String) {
        pending.removeAll { $0 == id }
        active.removeAll { $0 == id }
        for state in Array(sets.keys) { sets[state]?[id] = nil }
    }
}

/// One stored job, with the fields the Redis hash keeps.
struct MemoryJob {
    var spec: String
    var state: JobState
    var createdAt: Double
    var enqueuedAt: Double?
    var updatedAt: Double?
    var finishedAt: Double?
    var runAt: Double?
    var claimedAt: Double?
    var leaseUntil: Double?
    var attempts = 0
    var claims = 0
    var orphaned = 0
    var worker: String?
    var error: String?
    var result: String?
    var cancelRequested = false
    var history: [JobEvent] = []
    var steps: [StepRecord] = []
    var sandbox: String?
    /// Each claim's sandbox usage, summed when read (as the Redis queue keeps it).
    var usage: [Int: (seconds: Double, dollars: Double)] = [:]
    /// Where its files are in the artifact store, and the bytes they hold.
    var artifacts: String?
    var artifactBytes: Int?
    var output: [OutputEvent] = []
    var outputStored = 0
    var outputFull = false
    var outputDropped = 0
    var transcript: [TranscriptEntry] = []
    var transcriptStored = 0
    var transcriptFull = false
    var agent: AgentUsage?
    var approval: ApprovalRequest?
    var approvalDecision: ApprovalDecision?
    /// A parked call's decision when no one decides in time.
    var approvalTimeout: ApprovalDecision?

    /// The call that waits for a person: asked, not yet decided (in its worker, or parked).
    var waitingApproval: ApprovalRequest? { (state == .active || state == .awaiting) && approvalDecision == nil ? approval : nil }

    init(spec: String, state: JobState, createdAt: Double) {
        self.spec = spec
        self.state = state
        self.createdAt = createdAt
    }

    static func storedSpec(_ spec: JobSpec) -> String { String(decoding: spec.storedJSONBytes(), as: UTF8.self) }

    /// History is capped at the newest 200 entries, as in Redis.
    mutating func log(_ event: JobEvent) {
        history.append(event)
        if history.count > 200 { history.removeFirst(history.count - 200) }
    }
}
