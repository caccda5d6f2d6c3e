import Foundation

/// A tool call waiting for a person, as stored with its job while it waits.
public struct ApprovalRequest: Sendable, Equatable, Codable {
    /// Unique per ask: a decision names the call it was made on, so a stale one cannot pass a new call.
    public var id: String
    /// The step's index on the job's timeline (0-based).
    public var step: Int
    public var tool: String
    public var input: [String: JSONValue]
    public var network: Bool
    /// Why it waits ("shell calls need approval").
    public var reason: String
    /// Unix seconds.
    public var askedAt: Double
    public var timeoutSeconds: Double

    public init(id: String, step: Int, tool: String, input: [String: JSONValue], network: Bool, reason: String, askedAt: Double,
                timeoutSeconds: Double) {
        self.id = id
        self.step = step
        self.tool = tool
        self.input = input
        self.network = network
        self.reason = reason
        self.askedAt = askedAt
        self.timeoutSeconds = timeoutSeconds
    }

    enum CodingKeys: String, CodingKey {
        case id, step, tool, input, network, reason
        case askedAt = "asked_at", timeoutSeconds = "timeout_s"
    }

    /// The call in one line: the tool and what it would run.
    public var summary: String {
        let what = input["command"]?.stringValue ?? input["source"]?.stringValue ?? input["path"]?.stringValue
            ?? JSONValue.object(input).jsonString()
        return "\(tool): " + what.replacingOccurrences(of: "\n", with: " ")
    }

    public var deadline: Date { Date(timeIntervalSince1970: askedAt + timeoutSeconds) }

    /// Numbers read back from storage are checked: a request that claims no sane time is no request.
    public func checked() -> ApprovalRequest? {
        guard askedAt.isFinite, askedAt >= 0, timeoutSeconds.isFinite, timeoutSeconds > 0, step >= 0, step < 1_000_000 else { return nil }
        return self
    }
}

/// What a person (or the clock) decided about a waiting call.
public struct ApprovalDecision: Sendable, Equatable, Codable {
    public var approved: Bool
    /// Who: "alice@host (console)", "tenant acme (api)", or "timeout".
    public var by: String
    /// A denial's reason: it goes back to the model as the call's result.
    public var reason: String?
    /// Unix seconds.
    public var at: Double

    public init(approved: Bool, by: String, reason: String? = nil, at: Double) {
        self.approved = approved
        self.by = by
        self.reason = reason
        self.at = at
    }

    /// A call no one approved in time.
    public static func timedOut(after seconds: Double, at: Double) -> ApprovalDecision {
        ApprovalDecision(approved: false, by: "timeout", reason: "no one approved it within \(HumanText.duration(seconds))", at: at)
    }

    /// "approved by alice@host (console)", "denied by … : reason".
    public var describe: String {
        (approved ? "approved" : "denied") + " by \(by)" + (reason.map { ": \($0)" } ?? "")
    }
}

/// A job's waiting call, as the console's awaiting-approval list and `jobs approvals` show it.
public struct AwaitingApproval: Sendable, Equatable {
    public var jobID: String
    public var queue: String
    public var tenant: String?
    public var request: ApprovalRequest

    public init(jobID: String, queue: String, tenant: String?, request: ApprovalRequest) {
        self.jobID = jobID
        self.queue = queue
        self.tenant = tenant
        self.request = request
    }
}

/// What came of approving or denying.
public enum ApprovalOutcome: String, Sendable, Equatable {
    case approved, denied
    /// No such job.
    case missing
    /// The job has no call waiting.
    case nothingWaiting = "nothing_waiting"
    /// The call was decided already (by someone else, a moment ago).
    case alreadyDecided = "already_decided"
    /// The call named is no longer the one waiting (the job ran again and asks anew).
    case changed
}

/// How a running job asks a person about a call and waits for the answer.
public protocol ApprovalAsking: Sendable {
    /// Stores the request where people see it, and waits for a decision or the request's timeout.
    func decide(_ request: ApprovalRequest) async throws -> ApprovalDecision
}

/// Where a waiting call stands, as the worker polls it.
public enum ApprovalSettlement: Sendable, Equatable {
    case waiting
    case decided(ApprovalDecision)
    /// The job is no longer this worker's (its lease ran out, it was cancelled and finished).
    case stale
}
