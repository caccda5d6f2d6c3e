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

    /// One file of the job, checked against its digest; nil when the caller cannot see the job or it has no such file.
    public static func read(_ id: String, path: String, as scope: TenantScope, queue: any QueueReader,
                            files: JobFiles) async throws -> (file: WorkspaceManifest.File, data: [UInt8])? {
        guard let job = try await scope.visibleJob(id, on: queue), let found = try await files.read(job, path: path) else { return nil }
        return (found.file, [UInt8](found.data))
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
