import AgentCore

/// A job's files as the detail screen shows them: read once per job and state, not at every refresh
/// (a store is a network call away).
public struct JobFilesSnapshot: Sendable, Equatable {
    public var jobID: String
    /// nil: the job kept none (yet).
    public var manifest: WorkspaceManifest?
    /// Why they could not be read (the store is down), said on the screen.
    public var error: String?

    public init(jobID: String, manifest: WorkspaceManifest?, error: String? = nil) {
        self.jobID = jobID
        self.manifest = manifest
        self.error = error
    }
}
