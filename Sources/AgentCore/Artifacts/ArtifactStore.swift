import Foundation

/// One object in an artifact store.
public struct StoredObject: Sendable, Equatable {
    /// The key below the store's own prefix.
    public var key: String
    public var size: Int
    public var modified: Date?

    public init(key: String, size: Int, modified: Date? = nil) {
        self.key = key
        self.size = size
        self.modified = modified
    }
}

/// Where workspaces and job files outlive a worker: an S3-compatible bucket or a directory. Keys are
/// made by `ArtifactKeys` only, so one tenant's objects are never another's.
public protocol ArtifactStore: Sendable {
    /// Where it is, for logs and screens ("s3://bucket/prefix", "file:///var/lib/..."): never a secret.
    var label: String { get }
    /// Stores the object whole or not at all.
    func put(_ key: String, _ data: Data) async throws
    /// The object, or nil when there is none; refused when it is larger than `maxBytes`.
    func get(_ key: String, maxBytes: Int) async throws -> Data?
    /// Up to `count` bytes of the object from `offset` (fewer at its end), or nil when there is none:
    /// a large file is streamed to whoever asked a piece at a time, never held whole.
    func read(_ key: String, from offset: Int, count: Int) async throws -> Data?
    /// Every object whose key starts with `prefix`, in key order.
    func list(prefix: String) async throws -> [StoredObject]
    /// Removes the objects; a key that is not there is no error.
    func delete(_ keys: [String]) async throws
}

/// A store that failed: unreachable, refusing, or answering what it should not.
public struct ArtifactStoreError: Error, Sendable, CustomStringConvertible {
    public var description: String
    /// Worth trying again later (the store was down or busy), rather than a mistake in the request.
    public var retryable: Bool

    public init(_ description: String, retryable: Bool) {
        self.description = description
        self.retryable = retryable
    }
}
