/// One entry of a workspace, as a scan finds it.
public struct WorkspaceEntry: Sendable, Equatable {
    /// Relative to the workspace, "/"-separated.
    public var path: String
    public var size: Int
    /// Permission bits.
    public var mode: Int
    public var modified: Double
    /// Differs whenever the content may have changed (size, times, inode): an entry whose stamp is
    /// the same as at the last checkpoint is not read again.
    public var stamp: String
    /// A regular file; links, devices and the like are listed as left out, never followed.
    public var regular: Bool
    /// Its SHA-256, when the tree hashes in place (a remote sandbox): a file whose content the store
    /// holds is then never downloaded, and a sandbox found again is checked against its checkpoint.
    public var sha256: String?

    public init(path: String, size: Int, mode: Int, modified: Double, stamp: String, regular: Bool = true, sha256: String? = nil) {
        self.sha256 = sha256
        self.path = path
        self.size = size
        self.mode = mode
        self.modified = modified
        self.stamp = stamp
        self.regular = regular
    }
}

/// A sandbox's workspace seen from the worker, for checkpoints: everything in it was written by the
/// job, so nothing it holds is followed (links) or trusted (names, sizes).
public protocol WorkspaceTree: Sendable {
    /// The entries below the workspace, at most `limit` of them (`truncated` when there were more).
    func scan(limit: Int) async throws -> (entries: [WorkspaceEntry], truncated: Bool)
    /// A regular file's bytes; refused past `maxBytes` or when it is not a regular file any more.
    func read(_ path: String, maxBytes: Int) async throws -> [UInt8]
    /// Writes a file, making its folders, replacing what is there.
    func write(_ path: String, _ bytes: [UInt8], mode: Int) async throws
    /// Empties the workspace (a restore into a sandbox that has files already).
    func clear() async throws
}

/// A sandbox whose workspace the worker can reach for checkpoints.
public protocol WorkspaceSession: SandboxSession {
    var workspace: any WorkspaceTree { get }
    /// An earlier attempt's sandbox, found again (its files are checked against the checkpoint, and
    /// put back only if they differ); false for a sandbox made for this attempt.
    var reconnected: Bool { get }
}

extension WorkspaceSession {
    public var reconnected: Bool { false }
}
