import Foundation

/// One entry of a job's history: every transition, and every acknowledgement that was ignored.
public struct JobEvent: Sendable, Equatable, Codable {
    public var at: Double          // unix ms
    public var event: String       // enqueued, claimed, succeeded, retry_scheduled, failed, orphaned, ...
    public var attempt: Int?
    public var worker: String?
    public var error: String?
    public var note: String?
    /// The person who made a decision (approved, denied).
    public var by: String?

    public init(at: Double, event: String, attempt: Int? = nil, worker: String? = nil, error: String? = nil, note: String? = nil,
                by: String? = nil) {
        self.at = at
        self.event = event
        self.attempt = attempt
        self.worker = worker
        self.error = error
        self.note = note
        self.by = by
    }
}

/// A job as stored: its spec (raw, since garbage may be stored too, and decoded once here, where it
/// leaves the queue), state and history.
public struct JobRecord: Sendable, Equatable {
    public var id: String
    public var queue: String
    public var state: JobState
    /// The spec's text as stored: what a person reads, and what a copy is made from.
    public var specJSON: String {
        didSet { (spec, digest) = Self.decode(specJSON) }
    }
    /// The spec, when the stored text is a valid job; nil for garbage.
    public private(set) var spec: JobSpec?
    /// What can be read from the stored text even when it is not a valid job (its tenant, tools).
    public private(set) var digest: SpecDigest
    public var attempts: Int
    public var maxAttempts: Int
    public var orphaned: Int
    public var createdAt: Date?
    public var updatedAt: Date?
    public var finishedAt: Date?
    public var runAt: Date?
    public var leaseUntil: Date?
    public var worker: String?
    public var lastError: String?
    public var result: String?
    public var cancelRequested: Bool
    public var history: [JobEvent]
    /// The last attempt's step timeline.
    public var steps: [StepRecord] = []
    /// Where the last attempt ran ("local", "e2b:<sandbox id>").
    public var sandbox: String?
    /// Billed sandbox time and its estimated cost, for E2B: each attempt's running time, summed (time
    /// paused between attempts is not billed as running, and not counted).
    public var sandboxSeconds: Double?
    public var costUSD: Double?
    /// Bytes the job's files and checkpoints hold in the artifact store, as of when it kept its files.
    public var artifactBytes: Int?
    /// An agent job's model usage, over all its attempts.
    public var agent: AgentUsage?
    /// The tool call waiting for a person, while one waits.
    public var approval: ApprovalRequest?

    public init(id: String, queue: String, state: JobState, specJSON: String, attempts: Int = 0, maxAttempts: Int = 0,
                orphaned: Int = 0, createdAt: Date? = nil, updatedAt: Date? = nil, finishedAt: Date? = nil, runAt: Date? = nil,
                leaseUntil: Date? = nil, worker: String? = nil, lastError: String? = nil, result: String? = nil,
                cancelRequested: Bool = false, history: [JobEvent] = []) {
        self.id = id
        self.queue = queue
        self.state = state
        self.specJSON = specJSON
        (spec, digest) = Self.decode(specJSON)
        self.attempts = attempts
        self.maxAttempts = maxAttempts
        self.orphaned = orphaned
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.finishedAt = finishedAt
        self.runAt = runAt
        self.leaseUntil = leaseUntil
        self.worker = worker
        self.lastError = lastError
        self.result = result
        self.cancelRequested = cancelRequested
        self.history = history
    }

    private static func decode(_ text: String) -> (JobSpec?, SpecDigest) {
        (try? JobSpecParser.stored.parse(Data(text.utf8)), SpecDigest(json: text))
    }

    /// Every attempt's error, oldest first.
    public var errors: [JobEvent] { history.filter { $0.error != nil } }
}

/// A row of a job list: what a listing shows without loading whole histories.
public struct JobSummary: Sendable, Equatable {
    public var id: String
    public var queue: String
    public var state: JobState?
    public var tools: String
    public var attempts: Int
    public var maxAttempts: Int
    public var worker: String?
    public var lastError: String?
    public var createdAt: Date?
    public var updatedAt: Date?
    public var tenant: String?
    public var claimedAt: Date?
    public var leaseUntil: Date?
    public var finishedAt: Date?
    public var runAt: Date?
    /// The running (or last) step, 1-based, and the plan's length, when known.
    public var step: (current: Int, of: Int)?
    public var orphaned = 0
    /// The spec's metadata as `key=value` pairs, for filters.
    public var metadata: [String] = []
    /// A task job's task (its first 200 characters), and what its model has used so far.
    public var task: String?
    public var agent: AgentUsage?

    public static func == (a: JobSummary, b: JobSummary) -> Bool {
        a.id == b.id && a.state == b.state && a.attempts == b.attempts && a.lastError == b.lastError && a.updatedAt == b.updatedAt
            && a.step?.current == b.step?.current && a.leaseUntil == b.leaseUntil
    }

    public init(id: String, queue: String, state: JobState?, tools: String, attempts: Int, maxAttempts: Int, worker: String?,
                lastError: String?, createdAt: Date?, updatedAt: Date?, tenant: String?) {
        self.id = id
        self.queue = queue
        self.state = state
        self.tools = tools
        self.attempts = attempts
        self.maxAttempts = maxAttempts
        self.worker = worker
        self.lastError = lastError
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.tenant = tenant
    }
}

/// What listings and filters need from a stored spec, read leniently (a stored spec may be garbage).
public struct SpecDigest: Sendable, Equatable {
    public var tools: [String] = []
    public var tenant: String?
    public var maxAttempts: Int?
    public var metadata: [String: JSONValue] = [:]
    /// A task job's task, its first 200 characters.
    public var task: String?

    public init(json: String?) {
        guard let json, let value = try? JSONValue.parse(Data(json.utf8)), let o = value.objectValue else { return }
        tools = o["steps"]?.arrayValue?.compactMap { $0["tool"]?.stringValue } ?? []
        tenant = o["tenant"]?.stringValue
        // A stored spec is untrusted: Int(1e300) would trap.
        maxAttempts = o["max_attempts"]?.numberValue.flatMap { $0.isFinite && $0 >= 0 && $0 <= 1_000_000 ? Int($0) : nil }
        metadata = o["metadata"]?.objectValue ?? [:]
        task = o["task"]?.stringValue.map { String($0.prefix(200)) }
    }
}
