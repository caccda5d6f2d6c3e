import ChildProcess
import Foundation

/// A process a test starts: through posix_spawn with every other descriptor closed (so a long-lived
/// child, tmux's server or a worker, never holds another test's pipe open), reaped by a thread of
/// its own with waitpid (Foundation's Process can miss a quick child's exit and wait for ever).
public final class TestProcess: Sendable {
    private let child: ChildProcess.Child
    public var pid: pid_t { child.pid }

    /// Starts `argv` (argv[0] a path, or a name looked up on PATH) with its standard streams on the
    /// given descriptors; `environment` nil means this process's.
    public init(_ argv: [String], environment: [String: String]? = nil, directory: String? = nil,
                stdin: Int32, stdout: Int32, stderr: Int32) throws {
        guard let name = argv.first, let path = name.hasPrefix("/") ? name : Self.which(name) else {
            throw TestServerError("cannot find \(argv.first ?? "") on PATH")
        }
        child = try ChildProcess.Child([path] + argv.dropFirst(), environment: environment ?? ProcessInfo.processInfo.environment,
                                       directory: directory ?? FileManager.default.currentDirectoryPath,
                                       stdin: stdin, stdout: stdout, stderr: stderr)
    }

    /// /dev/null, open for the whole run (FileHandle.nullDevice has no real descriptor here).
    public static let devNull: Int32 = open("/dev/null", O_RDWR | O_CLOEXEC)

    public var isRunning: Bool { child.termination == nil }
    public var termination: ChildProcess.Termination? { child.termination }

    /// The exit status, or 128 + the signal that ended it; nil while running.
    public var status: Int32? {
        switch termination {
        case .exited(let code): code
        case .signaled(let sig): 128 + sig
        case nil: nil
        }
    }

    public func signal(_ sig: Int32) { child.signal(sig) }

    /// Blocks this thread until the process ends.
    public func waitUntilExit() { _ = child.wait() }

    /// Waits (without holding a thread) up to `seconds`; the status, or nil if still running.
    public func exit(within seconds: Double) async -> Int32? {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        return status
    }

    public struct Output: Sendable {
        public var status: Int32
        public var stdout: Data
        public var stderr: Data
        public var text: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// Runs to the end, feeding `stdin` and collecting both outputs. Blocks this thread.
    public static func runBlocking(_ argv: [String], environment: [String: String]? = nil, directory: String? = nil,
                                   stdin: Data? = nil, timeout: Double = 120) throws -> Output {
        let input = try ChildProcess.pipe(), out = try ChildProcess.pipe(), err = try ChildProcess.pipe()
        let p = try TestProcess(argv, environment: environment, directory: directory, stdin: input.read.fileDescriptor,
                                stdout: out.write.fileDescriptor, stderr: err.write.fileDescriptor)
        try? input.read.close()
        try? out.write.close()
        try? err.write.close()
        let group = DispatchGroup()
        let collected = Collected()
        group.enter()
        Thread.detachNewThread { collected.set(out: out.read.readDataToEndOfFile()); group.leave() }
        group.enter()
        Thread.detachNewThread { collected.set(err: err.read.readDataToEndOfFile()); group.leave() }
        Thread.detachNewThread {
            if let stdin { try? input.write.write(contentsOf: stdin) }
            try? input.write.close()
        }
        if group.wait(timeout: .now() + timeout) == .timedOut { p.signal(SIGKILL) }
        p.waitUntilExit()
        group.wait()
        return Output(status: p.status ?? -1, stdout: collected.out, stderr: collected.err)
    }

    /// `runBlocking` on a thread of its own, so the test's task does not hold a Swift thread.
    public static func run(_ argv: [String], environment: [String: String]? = nil, directory: String? = nil,
                           stdin: Data? = nil, timeout: Double = 120) async throws -> Output {
        try await withCheckedThrowingContinuation { cont in
            Thread.detachNewThread {
                cont.resume(with: Result { try runBlocking(argv, environment: environment, directory: directory, stdin: stdin, timeout: timeout) })
            }
        }
    }

    public static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return (path.split(separator: ":") + ["/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin"]).map { "\($0)/\(name)" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// `@unchecked Sendable`: each field is written by one reader thread before the group is left, and read after.
    private final class Collected: @unchecked Sendable {
        var out = Data(), err = Data()
        func set(out d: Data) { out = d }
        func set(err d: Data) { err = d }
    }
}
