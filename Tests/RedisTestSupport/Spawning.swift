import Foundation

/// Tests start processes in parallel, and Foundation's Process lets a child inherit every descriptor
/// of the test process that is not close-on-exec. A long-lived child (tmux's server, a worker) that
/// inherits another test's pipe keeps that pipe open, and the other test waits for ever for its end.
/// So every test makes its pipes and starts its processes through here: one at a time, with every
/// descriptor marked close-on-exec first.
public enum Spawning {
    private static let lock = NSLock()

    public static func pipe() -> Pipe { lock.withLock { Pipe() } }

    public static func run(_ process: Process) throws {
        try lock.withLock {
            markDescriptorsCloseOnExec()
            try process.run()
        }
    }

    private static func markDescriptorsCloseOnExec() {
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for fd in fds.compactMap(Int32.init) where fd > 2 {
            let flags = fcntl(fd, F_GETFD)
            if flags >= 0 { _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
        }
    }
}
