import AgentCore

/// What a caller may reach. Queues are configuration (a token's own list, or the server's default),
/// never created by naming them; job ids a tenant chooses live in its namespace, stored as
/// "tenant:id", so one tenant can neither see nor take another's ids. An operator (the CLI, the
/// console) is an admin without a tenant: every queue, ids as given.
public struct TenantScope: Sendable {
    public let tenant: String?
    public let admin: Bool
    /// nil: any queue (an admin).
    public let queues: [String]?

    public init(tenant: String, admin: Bool, queues: [String]?, defaultQueues: [String]) {
        self.tenant = tenant
        self.admin = admin
        self.queues = admin ? nil : (queues ?? defaultQueues)
    }

    private init() {
        tenant = nil
        admin = true
        queues = nil
    }

    /// Whoever runs the CLI or the console: they hold the queue's credentials already.
    public static let `operator` = TenantScope()

    public func mayUse(queue: String) -> Bool { queues?.contains(queue) ?? true }

    /// Names the queues this caller may use.
    public func refusal(queue: String) -> String {
        "queue \"\(queue)\" is not one this token may use (allowed: \((queues ?? []).joined(separator: ", ")))"
    }

    /// The id a caller chose, as stored.
    public func stored(_ id: String) -> String { admin ? id : (tenant ?? "") + ":" + id }

    /// The ids to look for when this caller names a job: its own namespace first, then ids the
    /// queue assigned (which are global and unguessable).
    public func candidates(_ id: String) -> [String] { admin ? [id] : [stored(id), id] }

    /// The id as this caller knows it.
    public func external(_ id: String) -> String {
        guard !admin, let tenant else { return id }
        let own = tenant + ":"
        return id.hasPrefix(own) ? String(id.dropFirst(own.count)) : id
    }

    /// Whether a job of `tenant` is this caller's to see.
    public func sees(tenant jobTenant: String?) -> Bool { admin || jobTenant == tenant }

    /// The filter that finds what this caller may see, narrowed by the text it asked for.
    public func filter(text: String) -> JobFilter {
        JobFilter(text: text.isEmpty ? nil : text, tenant: admin ? nil : tenant)
    }

    public func owns(_ job: JobRecord) -> Bool { sees(tenant: job.digest.tenant) }

    /// The job `id` names, if this caller may see it. Another tenant's job is "not found", not
    /// "forbidden": it learns nothing of it.
    public func visibleJob(_ id: String?, on queue: any QueueReader) async throws -> JobRecord? {
        guard let id, JobSpecParser.isValidName(id) else { return nil }
        for candidate in candidates(id) where JobSpecParser.isValidName(candidate) {
            if let job = try await queue.job(id: candidate), owns(job) { return job }
        }
        return nil
    }
}
