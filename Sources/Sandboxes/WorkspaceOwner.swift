import AgentCore
import Foundation

/// One process's claim on its workspaces: `<root>/<owner>/` holds its jobs' directories, and
/// `<root>/<owner>.lock` is flock'ed for as long as the claim lives. A worker killed with -9 leaves
/// both behind, but the kernel drops its lock, so whoever starts next on the same host (and the
/// same root) can tell a dead owner's workspaces from a live one's and remove them.
/// `@unchecked Sendable`: every field is set in init and never changed; the descriptor closes in deinit.
final class WorkspaceOwner: @unchecked Sendable {
    let root: String
    let directory: String
    private let lockFD: Int32

    init(root: String) throws {
        self.root = root
        var claimed: (name: String, fd: Int32)?
        for _ in 0..<5 where claimed == nil {
            let name = "owner-\(getpid())-\(JobID.make().suffix(8))"
            let fd = open(root + "/" + name + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw SandboxError("cannot make a lock file in \(root): \(String(cString: strerror(errno)))", retryable: true) }
            // A sweeper may have taken and unlinked the file between open and flock: then it is not ours.
            if flock(fd, LOCK_EX | LOCK_NB) == 0, Self.sameFile(fd, root + "/" + name + ".lock") {
                claimed = (name, fd)
            } else {
                close(fd)
            }
        }
        guard let claimed else { throw SandboxError("cannot claim a workspace directory in \(root)", retryable: true) }
        lockFD = claimed.fd
        directory = root + "/" + claimed.name
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false,
                                                    attributes: [.posixPermissions: 0o711])
        } catch {
            close(lockFD)
            throw SandboxError("cannot make the workspace directory \(directory): \(error)", retryable: true)
        }
    }

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
        unlink(directory + ".lock")
        close(lockFD)
    }

    /// Removes what owners that are no longer alive left under `root`: their directories (whose lock
    /// nobody holds) and directories with no lock at all (left by older versions). Returns how many.
    @discardableResult
    func sweep() -> Int {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: root) else { return 0 }
        let mine = (directory as NSString).lastPathComponent
        var removed = 0
        for name in names where name != mine && name != mine + ".lock" {
            let path = root + "/" + name
            if name.hasSuffix(".lock") {
                let fd = open(path, O_RDWR | O_CLOEXEC)
                guard fd >= 0 else { continue }
                defer { close(fd) }
                guard flock(fd, LOCK_EX | LOCK_NB) == 0, Self.sameFile(fd, path) else { continue }
                let dir = String(path.dropLast(".lock".count))
                if fm.fileExists(atPath: dir) { Self.removeTree(dir); removed += 1 }
                unlink(path)
            } else if !names.contains(name + ".lock") {
                Self.removeTree(path)
                removed += 1
            }
        }
        return removed
    }

    /// Removes a tree a job may have made hard to remove (directories without write or search permission).
    static func removeTree(_ path: String) {
        let fm = FileManager.default
        if (try? fm.removeItem(atPath: path)) != nil || !fm.fileExists(atPath: path) { return }
        DiskUsage.openUp(path)
        try? fm.removeItem(atPath: path)
    }

    static func sameFile(_ fd: Int32, _ path: String) -> Bool {
        var a = stat(), b = stat()
        guard fstat(fd, &a) == 0, stat(path, &b) == 0 else { return false }
        return a.st_dev == b.st_dev && a.st_ino == b.st_ino
    }
}

