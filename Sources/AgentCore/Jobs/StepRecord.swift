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
    /// The limits the step actually ran under (what it asked for, within the worker's caps).
    public var limits: Limits?
    /// Kept from this earlier attempt and not run again (the job was requeued from a later step).
    public var keptFrom: Int?

    /// `ResourceLimits` as recorded on the job, in the job's own field names.
    public struct Limits: Sendable, Equatable, Codable {
        public var wallSeconds: Double
        public var cpuSeconds: Int?
        public var memoryMB: Int?
        public var processes: Int?
        public var outputBytes: Int
        public var diskMB: Int?

        public init(_ l: ResourceLimits) {
            wallSeconds = l.wallSeconds
            cpuSeconds = l.cpuSeconds
            memoryMB = l.memoryMB
            processes = l.processes
            outputBytes = l.outputBytes
            diskMB = l.diskMB
        }

        enum CodingKeys: String, CodingKey {
            case processes
            case wallSeconds = "timeout_s", cpuSeconds = "cpu_s", memoryMB = "memory_mb", outputBytes = "output_bytes", diskMB = "disk_mb"
        }
    }

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
        case tool, status, seconds, error, limits
        case startedAt = "started_at", exitCode = "exit_code", outputBytes = "output_bytes", keptFrom = "kept_from"
    }
}

/// Why a job did not succeed, and whether another attempt could help.
public struct JobFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public var kind: FailureKind

    /// Every failure is scrubbed of the process's secrets as it is made: its text may have come
    /// from a server that quoted a key back, and it is stored, logged and shown.
    public init(_ description: String, kind: FailureKind) {
        self.description = Secrets.redact(description)
        self.kind = kind
    }
}
