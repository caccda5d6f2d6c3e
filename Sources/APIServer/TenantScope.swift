import AgentCore

/// What a token may reach. Queues are configuration (a token's own list, or the server's default),
/// never created by naming them; job ids a client chooses live in its tenant's namespace, stored as
/// "tenant:id", so one tenant can neither see nor take another's ids.
struct TenantScope: Sendable {
    let grant: APITokens.Grant
    let defaultQueues: [String]

    /// nil: any queue (an admin).
    var queues: [String]? { grant.admin ? nil : (grant.queues ?? defaultQueues) }

    func mayUse(queue: String) -> Bool { queues?.contains(queue) ?? true }

    /// 400 naming the queues this token may use.
    func refusal(queue: String) -> String {
        "queue \"\(queue)\" is not one this token may use (allowed: \((queues ?? []).joined(separator: ", ")))"
    }

    /// The id a client chose, as stored.
    func stored(_ id: String) -> String { grant.admin ? id : grant.tenant + ":" + id }

    /// The ids to look for when this client names a job: its own namespace first, then ids the
    /// queue assigned (which are global and unguessable).
    func candidates(_ id: String) -> [String] { grant.admin ? [id] : [stored(id), id] }

    /// The id as this client knows it.
    func external(_ id: String) -> String {
        let own = grant.tenant + ":"
        return !grant.admin && id.hasPrefix(own) ? String(id.dropFirst(own.count)) : id
    }

    /// Whether a job of `tenant` is this client's to see.
    func sees(tenant: String?) -> Bool { grant.admin || tenant == grant.tenant }

    /// The filter that finds what this client may see, narrowed by the text it asked for.
    func filter(text: String) -> JobFilter {
        JobFilter(text: text.isEmpty ? nil : text, tenant: grant.admin ? nil : grant.tenant)
    }

    func owns(_ specJSON: String) -> Bool { sees(tenant: SpecDigest(json: specJSON).tenant) }
}
