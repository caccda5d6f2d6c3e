import AgentCore

/// The worker's keepers: one per job whose sandbox has a workspace the worker can reach.
public struct ArtifactKeepers: WorkspaceKeepers {
    public let store: any ArtifactStore
    public let limits: CheckpointLimits

    public init(store: any ArtifactStore, limits: CheckpointLimits = CheckpointLimits()) {
        self.store = store
        self.limits = limits
    }

    public func removeAll(root: String) async throws {
        let parts = root.split(separator: "/", omittingEmptySubsequences: false)
        // "<tenant>/<job>/" as `ArtifactKeys` makes it; anything else read back is not deleted.
        guard parts.count == 3, parts[2].isEmpty, WorkspaceManifest.isSafePath(String(root.dropLast())),
              ArtifactKeys(tenant: String(parts[0]), job: String(parts[1])).root == root else {
            throw ArtifactStoreError("not an artifact root: \(root.prefix(200))", retryable: false)
        }
        try await JobFiles(store: store).removeAll(root: root)
    }

    public func keeper(for job: JobSpec, id: String, session: any SandboxSession) -> (any WorkspaceKeeping)? {
        guard let session = session as? any WorkspaceSession else { return nil }
        // A fork starts from its original's workspace, looked for under the fork's own tenant only: an
        // id in `forked_from` that names another tenant's job finds nothing.
        let origin = ForkOrigin(job.metadata["forked_from"]).map { o in
            (keys: [job.tenant.map { "\($0):\(o.job)" }, o.job].compactMap { $0 }.map { ArtifactKeys(tenant: job.tenant, job: $0) }, turn: o.turn)
        }
        return WorkspaceCheckpoints(store: store, keys: ArtifactKeys(tenant: job.tenant, job: id), tree: session.workspace,
                                    limits: limits, origin: origin, sameSandbox: session.reconnected)
    }
}
