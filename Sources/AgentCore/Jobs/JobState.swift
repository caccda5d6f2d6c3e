/// Where a job is in its life. Stored as its raw value in Redis.
public enum JobState: String, Sendable, CaseIterable, Codable {
    case scheduled, pending, active, retrying, succeeded, failed, cancelled

    public var isTerminal: Bool { self == .succeeded || self == .failed || self == .cancelled }
}
