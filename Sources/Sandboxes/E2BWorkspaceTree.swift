import AgentCore
import Foundation

/// An E2B sandbox's workspace (envd's working directory), for checkpoints: listed and hashed by one
/// command in the sandbox, files moved through envd's /files. What the command prints is the job's
/// (its file names, its `find`): parsed as untrusted, bounded in bytes and count.
struct E2BWorkspaceTree: WorkspaceTree {
    let session: E2BSession

    /// Entries (type, size, mode, mtime, path), then a separator, then `sha256sum -z` of the regular
    /// files: NUL-separated throughout, so no file name can forge a line.
    static let script = """
        cd "$1" || exit 3
        find . -mindepth 1 ! -type d -printf '%y %s %m %T@ %P\\0' | head -z -n "$2"
        printf '\\0=\\0'
        find . -mindepth 1 -type f -print0 | head -z -n "$2" | xargs -0 -r sha256sum -z --
        """

    func scan(limit: Int) async throws -> (entries: [WorkspaceEntry], truncated: Bool) {
        let dir = try await session.workspaceDirectory()
        let out = OutputBytes(limit: 64 << 20)
        let r = try await session.exec(ExecRequest(argv: ["/bin/sh", "-c", Self.script, "sh", dir, String(limit + 1)],
                                                   limits: ResourceLimits(wallSeconds: 300, outputBytes: 64 << 20))) { stream, text in
            if stream == .stdout { out.append(text) }
        }
        guard r.exitCode == 0, r.limit == nil else { throw SandboxError("cannot list the sandbox's workspace (exit \(r.exitCode))", retryable: true) }
        let fields = out.text.split(separator: "\0", omittingEmptySubsequences: false)
        guard let split = fields.firstIndex(of: "=") else { throw SandboxError("the sandbox's workspace listing is cut short", retryable: true) }
        var hashes: [String: String] = [:]
        for line in fields[(split + 1)...] where line.count > 66 {
            let hash = String(line.prefix(64)), path = String(line.dropFirst(66))
            guard hash.allSatisfy(\.isHexDigit), path.hasPrefix("./") else { continue }
            hashes[String(path.dropFirst(2))] = hash.lowercased()
        }
        var entries: [WorkspaceEntry] = []
        for line in fields[..<split] where !line.isEmpty {
            let parts = line.split(separator: " ", maxSplits: 4, omittingEmptySubsequences: false)
            guard parts.count == 5, let size = Int(parts[1]), size >= 0, let mode = Int(parts[2], radix: 8),
                  let modified = Double(parts[3]) else { continue }
            let path = String(parts[4])
            if path.hasPrefix(WorkspaceManifest.workerFolder + "/") || path == WorkspaceManifest.workerFolder { continue }
            let hash = hashes[path]
            entries.append(WorkspaceEntry(path: path, size: size, mode: mode, modified: modified, stamp: hash.map { "sha256:\($0)" } ?? "\(size)-\(modified)",
                                          regular: parts[0] == "f" && hash != nil && WorkspaceManifest.isSafePath(path), sha256: hash))
        }
        return (Array(entries.prefix(limit)), entries.count > limit)
    }

    func read(_ path: String, maxBytes: Int) async throws -> [UInt8] {
        let dir = try await session.workspaceDirectory()
        guard let data = try await session.readFile(dir + "/" + path, maxBytes: maxBytes) else {
            throw SandboxError("\(path) is gone from the sandbox", retryable: false)
        }
        return [UInt8](data)
    }

    func write(_ path: String, _ bytes: [UInt8], mode: Int) async throws {
        guard WorkspaceManifest.isSafePath(path) else { throw SandboxError("not a workspace path: \(path.prefix(200))", retryable: false) }
        let full = try await session.workspaceDirectory() + "/" + path
        try await session.upload(full, Data(bytes))
        if mode & 0o111 != 0 {
            _ = try await session.exec(ExecRequest(argv: ["chmod", String(mode & 0o777, radix: 8), "--", full],
                                                   limits: ResourceLimits(wallSeconds: 60))) { _, _ in }
        }
    }

    func clear() async throws {
        let dir = try await session.workspaceDirectory()
        _ = try await session.exec(ExecRequest(argv: ["/bin/sh", "-c", "cd \"$1\" && find . -mindepth 1 -maxdepth 1 ! -name .swissagent -exec rm -rf -- {} +", "sh", dir],
                                               limits: ResourceLimits(wallSeconds: 120))) { _, _ in }
    }
}

/// A command's output kept up to a bound. `@unchecked Sendable`: `parts` is only touched while holding `lock`.
final class OutputBytes: @unchecked Sendable {
    private let lock = NSLock()
    private var parts: [String] = []
    private var size = 0
    let limit: Int

    init(limit: Int) { self.limit = limit }

    func append(_ s: String) { lock.withLock { if size < limit { parts.append(s); size += s.utf8.count } } }
    var text: String { lock.withLock { parts.joined() } }
}
