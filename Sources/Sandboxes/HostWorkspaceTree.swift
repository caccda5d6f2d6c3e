import AgentCore
import Foundation

/// A local sandbox's workspace, reached from the host for checkpoints. The job wrote everything in
/// it: links are never followed (entries are lstat'ed, files opened with O_NOFOLLOW below a folder
/// that resolves inside the workspace), sizes are checked on the open file, and what is restored
/// is owned by the sandbox's uid.
struct HostWorkspaceTree: WorkspaceTree {
    let root: String
    let uid: Int?
    /// Folders deeper than this are not walked (a job could nest thousands).
    static let maxDepth = 64

    func scan(limit: Int) async throws -> (entries: [WorkspaceEntry], truncated: Bool) {
        try await Self.offPool { scanNow(limit: limit) }
    }

    func read(_ path: String, maxBytes: Int) async throws -> [UInt8] {
        try await Self.offPool { try readNow(path, maxBytes: maxBytes) }
    }

    func write(_ path: String, _ bytes: [UInt8], mode: Int) async throws {
        try await Self.offPool { try writeNow(path, bytes, mode: mode) }
    }

    func clear() async throws {
        try await Self.offPool {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] { WorkspaceOwner.removeTree(root + "/" + name) }
        }
    }

    /// Runs blocking file work on a dispatch thread: Swift's few cooperative threads never wait on a disk.
    static func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { done in DispatchQueue.global().async { done.resume(with: Result { try work() }) } }
    }

    private func scanNow(limit: Int) -> (entries: [WorkspaceEntry], truncated: Bool) {
        var entries: [WorkspaceEntry] = []
        var truncated = false
        func walk(_ relative: String, depth: Int) {
            let dir = relative.isEmpty ? root : root + "/" + relative
            guard depth <= Self.maxDepth, let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
            for name in names.sorted() {
                if entries.count >= limit { truncated = true; return }
                if relative.isEmpty && name == WorkspaceManifest.workerFolder { continue }
                let path = relative.isEmpty ? name : relative + "/" + name
                var info = stat()
                guard lstat(root + "/" + path, &info) == 0 else { continue }
                let kind = info.st_mode & S_IFMT
                if kind == S_IFDIR { walk(path, depth: depth + 1); continue }
                entries.append(WorkspaceEntry(
                    path: path, size: Int(info.st_size), mode: Int(info.st_mode & 0o7777),
                    modified: Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9,
                    stamp: "\(info.st_size)-\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)-\(info.st_ctim.tv_sec).\(info.st_ctim.tv_nsec)-\(info.st_ino)",
                    regular: kind == S_IFREG && WorkspaceManifest.isSafePath(path)))
            }
        }
        walk("", depth: 0)
        return (entries, truncated)
    }

    private func readNow(_ path: String, maxBytes: Int) throws -> [UInt8] {
        let full = try inside(path)
        let fd = open(full, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw SandboxError("cannot open \(path) in the workspace: \(String(cString: strerror(errno)))", retryable: false) }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw SandboxError("\(path) in the workspace is not a regular file", retryable: false)
        }
        guard Int(info.st_size) <= maxBytes else { throw SandboxError("\(path) in the workspace is over \(maxBytes) bytes", retryable: false) }
        let data = try handle.read(upToCount: maxBytes + 1) ?? Data()
        guard data.count <= maxBytes else { throw SandboxError("\(path) in the workspace grew past \(maxBytes) bytes", retryable: false) }
        return [UInt8](data)
    }

    private func writeNow(_ path: String, _ bytes: [UInt8], mode: Int) throws {
        guard WorkspaceManifest.isSafePath(path) else { throw SandboxError("not a workspace path: \(path.prefix(200))", retryable: false) }
        var dir = root
        for part in path.split(separator: "/").dropLast() {
            dir += "/" + part
            if mkdir(dir, 0o755) == 0 {
                if let uid { _ = chown(dir, uid_t(uid), gid_t(uid)) }
            } else if errno != EEXIST {
                throw SandboxError("cannot make \(dir): \(String(cString: strerror(errno)))", retryable: true)
            }
        }
        let full = try inside(path)
        let fd = open(full, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode_t(mode & 0o777))
        guard fd >= 0 else { throw SandboxError("cannot write \(path) in the workspace: \(String(cString: strerror(errno)))", retryable: true) }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        if let uid { _ = fchown(fd, uid_t(uid), gid_t(uid)) }
        _ = fchmod(fd, mode_t(mode & 0o777))
        try handle.write(contentsOf: Data(bytes))
    }

    /// The file's full path, once its folder is known to resolve inside the workspace (no link on the way out).
    private func inside(_ path: String) throws -> String {
        guard WorkspaceManifest.isSafePath(path) else { throw SandboxError("not a workspace path: \(path.prefix(200))", retryable: false) }
        let full = root + "/" + path
        let folder = (full as NSString).deletingLastPathComponent
        let realRoot = URL(fileURLWithPath: root).resolvingSymlinksInPath().path
        let realFolder = URL(fileURLWithPath: folder).resolvingSymlinksInPath().path
        guard realFolder == realRoot || realFolder.hasPrefix(realRoot + "/") else {
            throw SandboxError("\(path.prefix(200)) is not inside the workspace", retryable: false)
        }
        return full
    }
}
