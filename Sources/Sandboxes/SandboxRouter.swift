import AgentCore

/// Picks each job's sandbox: its `sandbox` field, else the worker's default; `residency: local-only`
/// overrides both (such a job never leaves this machine). Nothing is ever mocked: a job whose
/// sandbox is not available fails with the reason.
public struct SandboxRouter: SandboxRouting {
    public var local: (any SandboxProvider)?
    public var e2b: (any SandboxProvider)?
    public var defaultChoice: SandboxChoice

    public init(local: (any SandboxProvider)?, e2b: (any SandboxProvider)?, defaultChoice: SandboxChoice = .auto) {
        self.local = local
        self.e2b = e2b
        self.defaultChoice = defaultChoice
    }

    public func provider(for job: JobSpec) throws -> any SandboxProvider {
        if job.effectiveResidency.staysLocal {
            guard let local else {
                throw JobFailure("the job is local-only, and this worker has no local sandbox to run it", kind: .permanent)
            }
            return local
        }
        switch job.sandbox ?? defaultChoice {
        case .local:
            guard let local else { throw JobFailure("the job asks for the local sandbox, which this worker does not have", kind: .permanent) }
            return local
        case .e2b:
            guard let e2b else { throw JobFailure("the job asks for an E2B sandbox, but this worker has no E2B_API_KEY", kind: .permanent) }
            return e2b
        case .auto:
            if let local { return local }
            if let e2b { return e2b }
            throw JobFailure("this worker has no sandbox at all", kind: .permanent)
        }
    }
}
