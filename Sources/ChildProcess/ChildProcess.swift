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
    public static func spawn(_ argv: [String], environment: [String: String], directory: String,
                             stdin: Int32, stdout: Int32, stderr: Int32) throws -> pid_t {
        guard let path = argv.first else { throw Failure(description: "nothing to run") }
        let env = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let cArgv = argv.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup($0) } + [nil]
        defer {
            for p in cArgv { free(p) }
            for p in cEnv { free(p) }
        }
        var pid: pid_t = 0
        let rc = swissagent_spawn(path, cArgv, cEnv, directory, stdin, stdout, stderr, &pid)
        guard rc == 0 else { throw Failure(description: "cannot start \(path): \(String(cString: strerror(rc)))") }
        return pid
    }

    /// Blocks the calling thread until the child ends (call it from a thread of its own).
    public static func wait(_ pid: pid_t) -> Termination {
        var status: Int32 = 0
        guard swissagent_wait(pid, &status) == 0 else { return .signaled(SIGKILL) }
        let t = swissagent_termination(status)
        return t < 0 ? .signaled(-t) : .exited(t)
    }
}
