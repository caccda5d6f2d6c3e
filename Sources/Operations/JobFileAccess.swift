import AgentCore

/// A job's files and its deletion with them, for every surface: the job is looked up as the caller
/// may see it first, so one tenant's files are never another's (their job is "not found").
public enum JobFileAccess {
    /// The job and the files it ended with (nil: none kept, or it has not ended).
    public static func list(_ id: String, as scope: TenantScope, queue: any QueueReader,
                            files: JobFiles) async throws -> (job: JobRecord, manifest: WorkspaceManifest?)? {
        guard let job = try await scope.visibleJob(id, on: queue) else { return nil }
        return (job, try await files.manifest(job))
    }

    /// One file of the job and where its bytes are, to be streamed with `ArtifactStore.read`; nil when
    /// the caller cannot see the job or it has no such file.
    public static func locate(_ id: String, path: String, as scope: TenantScope, queue: any QueueReader,
                              files: JobFiles) async throws -> (file: WorkspaceManifest.File, key: String)? {
        guard WorkspaceManifest.isSafePath(path), let job = try await scope.visibleJob(id, on: queue),
              let manifest = try await files.manifest(job), let file = manifest.files.first(where: { $0.path == path }) else { return nil }
        return (file, ArtifactKeys(tenant: job.digest.tenant, job: job.id).blob(file.sha256))
    }

    /// Deletes the job and then everything it holds in the artifact store. A store that fails leaves
    /// the files for the sweeper (they belong to no job any more) and says so.
    public static func delete(_ job: JobRecord, shown: String, queue: any QueueOperator, files: JobFiles?) async throws -> ActionOutcome {
        var outcome = try await queue.delete(id: job.id).outcome(shown)
        guard outcome.kind == .done, let files else { return outcome }
        do {
            try await files.delete(tenant: job.digest.tenant, id: job.id)
        } catch {
            outcome.message += " (its files stay in \(files.store.label) until the next sweep: \(error))"
        }
        return outcome
    }
}
