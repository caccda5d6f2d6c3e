/// Where a job is in its life. Stored as its raw value in Redis.
public enum JobState: String, Sendable, CaseIterable, Codable {
    case scheduled, pending, active, retrying, succeeded, failed, cancelled
    /// Parked: an agent's call waits for a person, and no worker holds the job meanwhile. A decision,
    /// or the approval's timeout, puts it back at the front of pending.
    case awaiting

    public var isTerminal: Bool { self == .succeeded || self == .failed || self == .cancelled }
}
