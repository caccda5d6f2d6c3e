import Foundation

/// A job's files as people get them: the list, one file's bytes, and what the job holds in the store.
/// Keyed by the job's tenant: the caller has already checked the job is theirs to see.
public struct JobFiles: Sendable {
    public let store: any ArtifactStore

    public init(store: any ArtifactStore) { self.store = store }

    /// The files the job ended with; nil when it has none (not ended, or nothing was kept).
    public func manifest(tenant: String?, id: String) async throws -> WorkspaceManifest? {
        guard let data = try await store.get(ArtifactKeys(tenant: tenant, job: id).files, maxBytes: 64 << 20) else { return nil }
        return try WorkspaceManifest.decode(data)
    }

    public func manifest(_ job: JobRecord) async throws -> WorkspaceManifest? {
        try await manifest(tenant: job.digest.tenant, id: job.id)
    }

    /// One file's bytes, checked against its digest; nil when the job has no such file.
    public func read(_ job: JobRecord, path: String, maxBytes: Int = Int.max) async throws -> (file: WorkspaceManifest.File, data: Data)? {
        guard WorkspaceManifest.isSafePath(path), let manifest = try await manifest(job),
              let file = manifest.files.first(where: { $0.path == path }) else { return nil }
        guard file.size <= maxBytes else { throw ArtifactStoreError("\(path) is \(file.size) bytes, more than \(maxBytes)", retryable: false) }
        let keys = ArtifactKeys(tenant: job.digest.tenant, job: job.id)
        guard let data = try await store.get(keys.blob(file.sha256), maxBytes: file.size) else {
            throw ArtifactStoreError("\(path)'s content is missing from the store", retryable: false)
        }
        return (file, data)
    }

    /// Bytes a job holds under its root (files, checkpoints and their blobs).
    public func held(root: String) async throws -> Int {
        try await store.list(prefix: root).reduce(0) { $0 + $1.size }
    }

    /// Removes everything the job holds.
    public func delete(tenant: String?, id: String) async throws {
        try await removeAll(root: ArtifactKeys(tenant: tenant, job: id).root)
    }

    /// Removes everything under a job's root.
    public func removeAll(root: String) async throws {
        try await store.delete(try await store.list(prefix: root).map(\.key))
    }
}
