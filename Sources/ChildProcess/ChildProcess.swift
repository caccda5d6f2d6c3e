import CSpawn
import Foundation

/// Starting a child process that inherits nothing but what it is given: the only code that builds
/// C argument arrays for posix_spawn. Foundation's Process lets a child inherit every descriptor
/// not marked close-on-exec (a worker's Redis socket, another child's pipe); this does not.
public enum ChildProcess {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// How a child ended.
    public enum Termination: Sendable, Equatable {
        case exited(Int32)
        case signaled(Int32)
    }

    /// A pipe whose ends are close-on-exec, as file handles that close their descriptor when freed.
    public static func pipe() throws -> (read: FileHandle, write: FileHandle) {
        var fds: [Int32] = [-1, -1]
        let rc = swissagent_pipe_cloexec(&fds)
        guard rc == 0 else { throw Failure(description: "cannot make a pipe: \(String(cString: strerror(rc)))") }
        return (FileHandle(fileDescriptor: fds[0], closeOnDealloc: true), FileHandle(fileDescriptor: fds[1], closeOnDealloc: true))
    }

    /// Starts `argv[0]` (an absolute path) with exactly `environment`, in `directory`, its standard
    /// streams from the three descriptors, and no other descriptor of this process. Returns its pid.
    static func spawn(_ argv: [String], environment: [String: String], directory: String,
                      stdin: Int32, stdout: Int32, stderr: Int32, extra: [Int32] = []) throws -> pid_t {
        guard let path = argv.first else { throw Failure(description: "nothing to run") }
        let env = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let cArgv = argv.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup($0) } + [nil]
        defer {
            for p in cArgv { free(p) }
            for p in cEnv { free(p) }
        }
        var pid: pid_t = 0
        let rc = swissagent_spawn(path, cArgv, cEnv, directory, stdin, stdout, stderr, extra, Int32(extra.count), &pid)
        guard rc == 0 else { throw Failure(description: "cannot start \(path): \(String(cString: strerror(rc)))") }
        return pid
    }

    /// Reaps an ended child: its pid is free for reuse from here on.
    static func reap(_ pid: pid_t) -> Termination {
        var status: Int32 = 0
        guard swissagent_wait(pid, &status) == 0 else { return .signaled(SIGKILL) }
        let t = swissagent_termination(status)
        return t < 0 ? .signaled(-t) : .exited(t)
    }

    /// A started child, reaped by a thread of its own. A signal never reaches its pid once it is
    /// reaped (the pid may belong to another process by then): the reaper waits for the end without
    /// reaping, then reaps under the same lock that `signal` takes.
    public final class Child: @unchecked Sendable {
        // `@unchecked Sendable`: `ended` is only touched while holding `lock`.
        public let pid: pid_t
        private let lock = NSLock()
        private var ended: Termination?
        private let done = DispatchSemaphore(value: 0)

        /// Starts `argv` as `ChildProcess.spawn` does; `extra` descriptors become the child's 3, 4, ...
        public init(_ argv: [String], environment: [String: String], directory: String,
                    stdin: Int32, stdout: Int32, stderr: Int32, extra: [Int32] = []) throws {
            pid = try SpawnThread.shared.run {
                try spawn(argv, environment: environment, directory: directory, stdin: stdin, stdout: stdout, stderr: stderr,
                          extra: extra)
            }
            Thread.detachNewThread { [self] in
                _ = swissagent_await_exit(pid)
                lock.withLock { ended = reap(pid) }
                done.signal()
            }
        }

        /// nil while the child runs.
        public var termination: Termination? { lock.withLock { ended } }

        /// Sends `sig` unless the child has ended; whether it was sent.
        @discardableResult
        public func signal(_ sig: Int32) -> Bool {
            lock.withLock {
                guard ended == nil else { return false }
                kill(pid, sig)
                return true
            }
        }

        /// Blocks the calling thread until the child has ended and been reaped.
        public func wait() -> Termination {
            done.wait()
            done.signal()
            return termination ?? .signaled(SIGKILL)
        }
    }
}

/// The one thread every child is started from, alive as long as the process. A child that asks to
/// die with its parent (bubblewrap's --die-with-parent, PR_SET_PDEATHSIG) is signalled when the
/// *thread* that forked it exits, not the process: started from a pool thread that retires after a
/// few idle seconds, a sandbox was killed mid-step. Spawned from here, it dies with the process.
/// `@unchecked Sendable`: `work` is only touched while holding `condition`.
final class SpawnThread: @unchecked Sendable {
    static let shared = SpawnThread()

    private let condition = NSCondition()
    private var work: [() -> Void] = []

    private init() {
        let thread = Thread { [self] in loop() }
        thread.name = "swissagent-spawn"
        thread.start()
    }

    private func loop() {
        while true {
            condition.lock()
            while work.isEmpty { condition.wait() }
            let next = work.removeFirst()
            condition.unlock()
            next()
        }
    }

    /// Runs `body` on the spawn thread and waits for its result.
    func run<T>(_ body: @escaping () throws -> T) throws -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        condition.lock()
        work.append {
            box.result = Result { try body() }
            done.signal()
        }
        condition.signal()
        condition.unlock()
        done.wait()
        guard let result = box.result else { throw ChildProcess.Failure(description: "the spawn thread gave no result") }
        return try result.get()
    }

    /// `@unchecked Sendable`: written once on the spawn thread before `done` is signalled, read after.
    private final class ResultBox<T>: @unchecked Sendable {
        var result: Result<T, any Error>?
    }
}
