import Foundation

/// A workspace at one moment: every file kept, by content, and what the caps left out.
public struct WorkspaceManifest: Codable, Sendable, Equatable {
    public struct File: Codable, Sendable, Equatable {
        /// Relative to the workspace, "/"-separated, never absolute or climbing out.
        public var path: String
        public var size: Int
        /// Permission bits (0o644, 0o755).
        public var mode: Int
        /// SHA-256, lower-case hex: the blob's key.
        public var sha256: String
        public var modified: Double

        public init(path: String, size: Int, mode: Int, sha256: String, modified: Double) {
            self.path = path
            self.size = size
            self.mode = mode
            self.sha256 = sha256
            self.modified = modified
        }
    }

    public var version = 1
    /// The turn (or step) after which it was taken; 0 before the first.
    public var turn: Int
    public var at: Double
    public var files: [File]
    /// Files not kept: over a cap, unreadable, or not regular files (links, devices).
    public var omitted: [String]
    /// Why files were left out, for the run and the person reading it.
    public var omittedWhy: String?

    public init(turn: Int, at: Double, files: [File], omitted: [String] = [], omittedWhy: String? = nil) {
        self.turn = turn
        self.at = at
        self.files = files
        self.omitted = omitted
        self.omittedWhy = omittedWhy
    }

    public var bytes: Int { files.reduce(0) { $0 + $1.size } }

    /// The worker's own folder in a workspace (a step's script, its stdin): never the job's files.
    public static let workerFolder = ".swissagent"

    /// A manifest read back from a store is untrusted: paths are checked before they are used.
    public static func decode(_ data: Data) throws -> WorkspaceManifest {
        let m = try JSONDecoder().decode(WorkspaceManifest.self, from: data)
        for f in m.files where !isSafePath(f.path) || f.size < 0 || f.sha256.count != 64 || !f.sha256.allSatisfy(\.isHexDigit) {
            throw ArtifactStoreError("a stored manifest names a file it may not: \(f.path.prefix(200))", retryable: false)
        }
        return m
    }

    public func encoded() -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return (try? e.encode(self)) ?? Data()
    }

    /// Relative, "/"-separated, no empty, "." or ".." part, no NUL: a path that stays in its workspace.
    public static func isSafePath(_ path: String) -> Bool {
        guard !path.isEmpty, path.utf8.count <= 4096, !path.hasPrefix("/"), !path.contains("\0") else { return false }
        return path.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
    }
}
