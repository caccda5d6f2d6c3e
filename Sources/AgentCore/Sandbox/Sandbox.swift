import Foundation

/// Limits for one command in a sandbox. nil means "no limit of this kind".
public struct ResourceLimits: Sendable, Equatable {
    public var wallSeconds: Double
    public var cpuSeconds: Int?
    public var memoryMB: Int?
    public var processes: Int?
    public var outputBytes: Int
    public var fileSizeMB: Int?
    /// What the job's files may take: the workspace and /tmp together.
    public var diskMB: Int?

    public init(wallSeconds: Double = 300, cpuSeconds: Int? = 300, memoryMB: Int? = 1024, processes: Int? = 128,
                outputBytes: Int = 4 << 20, fileSizeMB: Int? = 1024, diskMB: Int? = 1024) {
        self.wallSeconds = wallSeconds
        self.cpuSeconds = cpuSeconds
        self.memoryMB = memoryMB
        self.processes = processes
        self.outputBytes = outputBytes
        self.fileSizeMB = fileSizeMB
        self.diskMB = diskMB
    }
}

/// Which limit stopped a command.
public enum LimitKind: String, Sendable, Equatable {
    case time, cpu, memory, processes, output, disk

    /// "exceeded its 10 s time limit"
    public func describe(_ limits: ResourceLimits) -> String {
        switch self {
        case .time: "exceeded its \(Self.seconds(limits.wallSeconds)) s time limit"
        case .cpu: "exceeded its \(limits.cpuSeconds ?? 0) s CPU time limit"
        case .memory: "exceeded its \(limits.memoryMB ?? 0) MB memory limit"
        case .processes: "exceeded its \(limits.processes ?? 0)-process limit"
        case .output: "exceeded its \(limits.outputBytes)-byte output limit"
        case .disk: "exceeded its \(limits.diskMB ?? 0) MB disk limit"
        }
    }

    private static func seconds(_ s: Double) -> String {
        s == s.rounded() ? String(Int(s)) : String(format: "%.1f", s)
    }
}

/// One command to run in a job's sandbox.
public struct ExecRequest: Sendable {
    public var argv: [String]
    public var stdin: Data?
    public var network: Bool
    public var limits: ResourceLimits

    public init(argv: [String], stdin: Data? = nil, network: Bool = false, limits: ResourceLimits) {
        self.argv = argv
        self.stdin = stdin
        self.network = network
        self.limits = limits
    }
}

public struct ExecResult: Sendable, Equatable {
    public var exitCode: Int32
    /// The signal that ended the command, if one did.
    public var signal: Int32?
    public var seconds: Double
    public var outputBytes: Int
    public var limit: LimitKind?

    public init(exitCode: Int32, signal: Int32? = nil, seconds: Double, outputBytes: Int, limit: LimitKind? = nil) {
        self.exitCode = exitCode
        self.signal = signal
        self.seconds = seconds
        self.outputBytes = outputBytes
        self.limit = limit
    }
}

/// Receives a command's output as it is produced.
public typealias OutputHandler = @Sendable (OutputEvent.Stream, String) -> Void

/// A job's sandbox: one workspace that persists across the job's steps.
public protocol SandboxSession: Sendable {
    /// Where this sandbox runs, for the job's record ("local", "e2b:sbx-123").
    var label: String { get }
    /// Runs a command; task cancellation kills its whole process tree.
    func exec(_ request: ExecRequest, output: @escaping OutputHandler) async throws -> ExecResult
    /// The path an interpreter lives at inside the sandbox, or nil when it is not installed.
    func interpreter(_ language: CodeLanguage) -> [String]?
    /// Removes the workspace and anything left running.
    func close() async
    /// Sandbox-seconds and estimated cost in dollars, for sandboxes that are billed.
    func usage() -> (seconds: Double, dollars: Double)?
}

extension SandboxSession {
    public func usage() -> (seconds: Double, dollars: Double)? { nil }
}

/// A sandbox service whose sandboxes can outlive a crashed worker: lists ours (running or paused)
/// and kills those whose job has ended or is gone.
public protocol LeakReaper: Sendable {
    /// `isActive`: whether the job with this id still needs its sandbox. Returns how many were killed.
    func reapLeaks(isActive: @Sendable (String) async -> Bool) async throws -> Int
}

/// A sandbox service whose sandboxes outlive an attempt (E2B): a later attempt of the job connects
/// to the same sandbox, its files and programs as they were, instead of making another.
public protocol ReconnectingSandboxProvider: SandboxProvider {
    /// The job's sandbox an earlier attempt recorded as `label`, resumed if it was paused; nil when
    /// it is gone or is not this job's (then the attempt makes a new one).
    func reconnect(label: String, jobID: String) async throws -> (any SandboxSession)?
}

/// A sandbox kept between attempts: paused (not billed as running) while its job waits.
public protocol KeptSandbox: SandboxSession {
    /// Pauses it for a later attempt: the job waits for a person, a model server's wait, a retry.
    func pause() async
    /// Lets go of it without touching it: another worker has the job (and the sandbox) now.
    func detach() async
}

/// A sandbox with a file API of its own (E2B's /files): the file tools use it instead of a command.
public protocol FileTransferSession: SandboxSession {
    func writeFile(_ path: String, _ data: Data) async throws
    /// The file's bytes, or nil when it does not exist.
    func readFile(_ path: String) async throws -> Data?
}

/// Opens sandboxes for jobs.
public protocol SandboxProvider: Sendable {
    var name: String { get }
    func open(jobID: String, env: [String: String]) async throws -> any SandboxSession
}

/// A sandbox failure that is not the command's own: the sandbox could not start, or a tool is missing.
public struct SandboxError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public var retryable: Bool

    public init(_ description: String, retryable: Bool) {
        self.description = description
        self.retryable = retryable
    }
}
