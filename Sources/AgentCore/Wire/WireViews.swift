import Foundation

/// Writes an absent value as null: the wire model keeps every field present (Codable's own
/// encoding would leave it out).
@propertyWrapper
public struct Null<T: Encodable & Sendable & Equatable>: Encodable, Sendable, Equatable {
    public var wrappedValue: T?
    public init(wrappedValue: T?) { self.wrappedValue = wrappedValue }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        if let wrappedValue { try c.encode(wrappedValue) } else { try c.encodeNil() }
    }
}

/// A job as every surface shows it: `jobs show --json`, `GET /v1/jobs/{id}` and the console's detail.
public struct JobView: Encodable, Sendable, Equatable {
    public var id: String
    public var queue: String
    public var state: JobState
    public var attempts: Int
    public var maxAttempts: Int
    public var orphaned: Int
    @Null public var createdAt: Date?
    @Null public var updatedAt: Date?
    @Null public var finishedAt: Date?
    @Null public var runAt: Date?
    @Null public var leaseUntil: Date?
    @Null public var worker: String?
    @Null public var error: String?
    @Null public var result: String?
    public var cancelRequested: Bool
    @Null public var sandbox: String?
    @Null public var sandboxSeconds: Double?
    @Null public var costUSD: Double?
    /// Bytes the job holds in the artifact store (its files and checkpoints), once it kept its files.
    @Null public var artifactBytes: Int?
    /// The spec as stored (a string when it is not JSON: a stored record may be garbage).
    public var spec: JSONValue
    public var steps: [StepRecord]
    public var history: [JobEventView]
    /// What the job used: an agent's turns, tokens and model dollars, and sandbox time.
    public var usage: UsageView
    /// An agent job's transcript, oldest first (empty for other jobs).
    public var transcript: [TranscriptEntryView]
    /// The tool call waiting for a person, while one waits.
    @Null public var approval: ApprovalRequest?
    /// The job a fork was made from, and at which turn.
    @Null public var forkedFrom: ForkOrigin?

    enum CodingKeys: String, CodingKey {
        case id, queue, state, attempts, orphaned, worker, error, result, sandbox, spec, steps, history, usage, transcript, approval
        case forkedFrom = "forked_from"
        case maxAttempts = "max_attempts", createdAt = "created_at", updatedAt = "updated_at", finishedAt = "finished_at"
        case runAt = "run_at", leaseUntil = "lease_until", cancelRequested = "cancel_requested"
        case sandboxSeconds = "sandbox_seconds", costUSD = "cost_usd", artifactBytes = "artifact_bytes"
    }

    /// `id` is the id as its reader knows it (an API tenant sees its own ids without their prefix).
    public init(_ job: JobRecord, transcript: [TranscriptEntry] = [], id: String? = nil) {
        let shown = id ?? job.id
        var spec = (try? JSONValue.parse(Data(job.specJSON.utf8))) ?? .string(job.specJSON)
        if case .object(var fields) = spec, fields["id"] != nil {
            fields["id"] = .string(shown)
            spec = .object(fields)
        }
        self.id = shown
        queue = job.queue
        state = job.state
        attempts = job.attempts
        maxAttempts = job.maxAttempts
        orphaned = job.orphaned
        createdAt = job.createdAt
        updatedAt = job.updatedAt
        finishedAt = job.finishedAt
        runAt = job.runAt
        leaseUntil = job.leaseUntil
        worker = job.worker
        error = job.lastError
        result = job.result
        cancelRequested = job.cancelRequested
        sandbox = job.sandbox
        sandboxSeconds = job.sandboxSeconds
        costUSD = job.costUSD
        artifactBytes = job.artifactBytes
        self.spec = spec
        steps = job.steps
        history = job.history.map(JobEventView.init)
        usage = UsageView(job, transcript: transcript)
        self.transcript = transcript.map(TranscriptEntryView.init)
        approval = job.approval
        forkedFrom = ForkOrigin(job.digest.metadata["forked_from"])
    }
}

/// Where a fork came from: `{"job": id, "turn": N}`.
public struct ForkOrigin: Encodable, Sendable, Equatable {
    public var job: String
    public var turn: Int

    /// From the fork's `forked_from` metadata; nil when absent or not that shape.
    public init?(_ value: JSONValue?) {
        guard let job = value?["job"]?.stringValue, let n = value?["turn"]?.numberValue, n.isFinite, n >= 0, n <= 1e6 else { return nil }
        self.job = job
        turn = Int(n)
    }
}

/// A job's usage: the agent's figures (null for a job that ran no agent) and the sandbox's.
public struct UsageView: Encodable, Sendable, Equatable {
    @Null public var model: String?
    @Null public var turns: Int?
    @Null public var inputTokens: Int?
    @Null public var outputTokens: Int?
    @Null public var modelUSD: Double?
    @Null public var sandboxSeconds: Double?
    @Null public var sandboxUSD: Double?
    /// Turns rebuilt from the journal instead of asked of the model (a fork's copied turns, and
    /// those each resumed attempt went on from): not paid for again. Null for a job that ran no agent.
    @Null public var turnsReplayed: Int?

    enum CodingKeys: String, CodingKey {
        case model, turns, turnsReplayed = "turns_replayed"
        case inputTokens = "input_tokens", outputTokens = "output_tokens", modelUSD = "model_usd", sandboxSeconds = "sandbox_seconds"
        case sandboxUSD = "sandbox_usd"
    }

    public init(_ job: JobRecord, transcript: [TranscriptEntry] = []) {
        if job.agent != nil || !transcript.isEmpty { turnsReplayed = Self.replayed(transcript) }
        model = job.agent?.model
        turns = job.agent?.turns
        inputTokens = job.agent?.inputTokens
        outputTokens = job.agent?.outputTokens
        modelUSD = job.agent?.dollars
        sandboxSeconds = job.sandboxSeconds
        sandboxUSD = job.costUSD
    }

    /// The turns before each point an attempt resumed at (a fork's first attempt resumes after the
    /// turns it copied), as the resumed-attempt notes say.
    static func replayed(_ transcript: [TranscriptEntry]) -> Int {
        var n = 0
        for e in transcript where e.kind == .note {
            let words = e.text.split(separator: " ")
            if words.count > 4, words[0] == "attempt", words[2] == "resumed", words[3] == "at", words[4] == "turn",
               words.count > 5, let turn = Int(words[5]) { n += max(0, turn - 1) }
        }
        return n
    }

    /// "3 turns · 1,234 tokens in, 56 out · $0.0012" for an agent job; nil for another.
    public var agentSummary: String? {
        guard let turns else { return nil }
        var s = "\(turns) turn\(turns == 1 ? "" : "s") · \(inputTokens ?? 0) tokens in, \(outputTokens ?? 0) out"
        s += String(format: " · $%.4f", modelUSD ?? 0)
        if let model { s += " · " + model }
        if let replayed = turnsReplayed, replayed > 0 { s += " · \(replayed) more from the journal, not asked again" }
        return s
    }
}

/// One transcript entry, every field present.
public struct TranscriptEntryView: Encodable, Sendable, Equatable {
    public var kind: String
    public var text: String
    @Null public var tool: String?
    @Null public var callID: String?
    @Null public var inputTokens: Int?
    @Null public var outputTokens: Int?
    @Null public var dollars: Double?
    @Null public var seconds: Double?
    @Null public var at: Date?
    /// Copied from the job a fork was made from.
    public var replayed: Bool

    enum CodingKeys: String, CodingKey {
        case kind, text, tool, dollars, seconds, at, replayed
        case callID = "call_id", inputTokens = "input_tokens", outputTokens = "output_tokens"
    }

    public init(_ e: TranscriptEntry) {
        kind = e.kind.rawValue
        text = e.text
        tool = e.tool
        callID = e.callID
        inputTokens = e.inputTokens
        outputTokens = e.outputTokens
        dollars = e.dollars
        seconds = e.seconds
        at = e.at.map { Date(timeIntervalSince1970: $0) }
        replayed = e.replayed == true
    }
}

/// One entry of a job's history.
public struct JobEventView: Encodable, Sendable, Equatable {
    public var at: Date
    public var event: String
    @Null public var attempt: Int?
    @Null public var worker: String?
    @Null public var error: String?
    @Null public var note: String?
    @Null public var by: String?

    public init(_ e: JobEvent) {
        at = Date(timeIntervalSince1970: e.at / 1000)
        event = e.event
        attempt = e.attempt
        worker = e.worker
        error = e.error
        note = e.note
        by = e.by
    }
}

/// A row of a job list: `jobs list --json` and `GET /v1/jobs`.
public struct JobRowView: Encodable, Sendable, Equatable {
    public var id: String
    public var queue: String
    @Null public var state: JobState?
    public var tools: [String]
    public var attempts: Int
    public var maxAttempts: Int
    @Null public var worker: String?
    @Null public var error: String?
    @Null public var createdAt: Date?
    @Null public var updatedAt: Date?
    @Null public var tenant: String?

    enum CodingKeys: String, CodingKey {
        case id, queue, state, tools, attempts, worker, error, tenant
        case maxAttempts = "max_attempts", createdAt = "created_at", updatedAt = "updated_at"
    }

    public init(_ r: JobSummary, id: String? = nil) {
        self.id = id ?? r.id
        queue = r.queue
        state = r.state
        tools = r.tools.split(separator: ",").map(String.init)
        attempts = r.attempts
        maxAttempts = r.maxAttempts
        worker = r.worker
        error = r.lastError
        createdAt = r.createdAt
        updatedAt = r.updatedAt
        tenant = r.tenant
    }
}

/// A queue's numbers: `queues --json` and `GET /v1/queues`.
public struct QueueStatsView: Encodable, Sendable, Equatable {
    public var queue: String
    public var paused: Bool
    public var pending, active, scheduled, retrying, failed, succeeded, cancelled, orphaned: Int
    /// Active jobs whose tool call waits for a person.
    public var awaiting: Int
    @Null public var oldestPendingS: Double?
    /// The last 60 minutes, oldest first.
    public var processedLastHour: [Int]
    public var failedLastHour: [Int]
    /// Over the last 60 seconds.
    public var processedPerMin: Int
    public var failedPerMin: Int

    enum CodingKeys: String, CodingKey {
        case queue, paused, pending, active, scheduled, retrying, failed, succeeded, cancelled, orphaned, awaiting
        case oldestPendingS = "oldest_pending_s", processedLastHour = "processed_last_hour", failedLastHour = "failed_last_hour"
        case processedPerMin = "processed_per_min", failedPerMin = "failed_per_min"
    }

    public init(_ s: QueueStats, now: Date) {
        queue = s.queue
        paused = s.paused
        pending = s.pending
        active = s.active
        scheduled = s.scheduled
        retrying = s.retrying
        failed = s.failed
        succeeded = s.succeeded
        cancelled = s.cancelled
        orphaned = s.orphaned
        awaiting = s.awaiting
        oldestPendingS = s.oldestPendingAge
        processedLastHour = s.processedPerMinute
        failedLastHour = s.failedPerMinute
        processedPerMin = HumanText.perMinute(s.processedPerMinute, now: now)
        failedPerMin = HumanText.perMinute(s.failedPerMinute, now: now)
    }
}

/// A live worker: `swissagent workers --json`.
public struct WorkerView: Encodable, Sendable, Equatable {
    public var id: String
    public var host: String
    public var pid: Int
    public var startedAt: Date
    public var heartbeatAt: Date
    public var queues: [String]
    public var concurrency: Int
    public var currentJobs: [String]

    enum CodingKeys: String, CodingKey {
        case id, host, pid, queues, concurrency
        case startedAt = "started_at", heartbeatAt = "heartbeat_at", currentJobs = "current_jobs"
    }

    public init(_ w: WorkerInfo) {
        id = w.id
        host = w.host
        pid = w.pid
        startedAt = Date(timeIntervalSince1970: w.startedAt)
        heartbeatAt = Date(timeIntervalSince1970: w.heartbeatAt)
        queues = w.queues
        concurrency = w.concurrency
        currentJobs = w.currentJobs
    }
}
