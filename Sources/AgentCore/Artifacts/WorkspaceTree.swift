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

    public init(path: String, size: Int, mode: Int, modified: Double, stamp: String, regular: Bool = true) {
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
}
