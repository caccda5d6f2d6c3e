import Foundation

/// What happened to one step of a job's plan, recorded on the job as it runs.
public struct StepRecord: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable { case pending, running, succeeded, failed, skipped, cancelled }

    public var tool: String
    public var status: Status
    public var startedAt: Double?
    public var seconds: Double?
    public var exitCode: Int32?
    public var outputBytes: Int
    public var error: String?

    public init(tool: String, status: Status = .pending, startedAt: Double? = nil, seconds: Double? = nil, exitCode: Int32? = nil,
                outputBytes: Int = 0, error: String? = nil) {
        self.tool = tool
        self.status = status
        self.startedAt = startedAt
        self.seconds = seconds
        self.exitCode = exitCode
        self.outputBytes = outputBytes
        self.error = error
    }

    enum CodingKeys: String, CodingKey {
        case tool, status, seconds, error
        case startedAt = "started_at", exitCode = "exit_code", outputBytes = "output_bytes"
    }
}

/// Why a job did not succeed, and whether another attempt could help.
public struct JobFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public var kind: FailureKind

    public init(_ description: String, kind: FailureKind) {
        self.description = description
        self.kind = kind
    }
}
