import Foundation

/// Which failed jobs a bulk requeue takes: all of them, or those whose error, tools, tenant or
/// metadata (`key=value`) contain `text` (case-insensitive).
public struct JobFilter: Sendable, Equatable {
    public var text: String?
    /// Treat `text` as a regular expression (case-insensitive) rather than a substring.
    public var regex: Bool
    /// Only this tenant's jobs (exact).
    public var tenant: String?

    public init(text: String? = nil, regex: Bool = false, tenant: String? = nil) {
        self.text = text
        self.regex = regex
        self.tenant = tenant
    }

    /// What a person types: `tenant:NAME` words pick the tenant, the rest is the text to match.
    public init(query: String?, regex: Bool = false) {
        var words: [Substring] = []
        var tenant: String?
        for word in (query ?? "").split(separator: " ", omittingEmptySubsequences: true) {
            if word.hasPrefix("tenant:"), word.count > 7 { tenant = String(word.dropFirst(7)) } else { words.append(word) }
        }
        self.init(text: words.isEmpty ? nil : words.joined(separator: " "), regex: regex, tenant: tenant)
    }

    /// `budget`: shared by a bulk action's every record (see `bulkRegexSeconds`).
    public func matches(error: String?, specJSON: String?, id: String? = nil,
                        budget: RegexBudget = RegexBudget(seconds: JobFilter.regexSeconds)) -> Bool {
        let digest = SpecDigest(json: specJSON)
        if let tenant, digest.tenant != tenant { return false }
        guard let test = textTest(budget: budget) else { return true }
        return ([id, error, digest.tenant] + digest.tools + digest.metadata.map { "\($0.key)=\($0.value.displayText)" })
            .contains { $0.map(test) ?? false }
    }

    /// The same test on a listed job: its id, error, tools, tenant and metadata (key=value).
    public func matches(_ job: JobSummary) -> Bool { matcher()(job) }

    /// `matches` with the pattern compiled once, for a walk over many jobs. A regular expression
    /// spends `budget` (a walk ends its page once it is spent); past it nothing more matches.
    public func matcher(budget: RegexBudget = RegexBudget(seconds: JobFilter.regexSeconds)) -> @Sendable (JobSummary) -> Bool {
        let tenant = tenant
        guard let test = textTest(budget: budget) else { return { job in tenant.map { job.tenant == $0 } ?? true } }
        return { job in
            if let tenant, job.tenant != tenant { return false }
            return ([job.id, job.lastError, job.tools, job.tenant] + job.metadata).contains { $0.map(test) ?? false }
        }
    }

    /// The time one walk (or one record's test) may spend matching a regular expression. Task-local
    /// so a test can make it short: a match runs on one of the process's few cooperative threads.
    @TaskLocal public static var regexSeconds = 1.0
    /// The time a bulk action (requeue or count every failed job matching) may spend matching: past
    /// it the action changes nothing and says why (`FilterTooSlow`).
    @TaskLocal public static var bulkRegexSeconds = 5.0

    /// nil when there is no text to match.
    private func textTest(budget: RegexBudget) -> (@Sendable (String) -> Bool)? {
        guard let text, !text.isEmpty else { return nil }
        if regex, let re = try? NSRegularExpression(pattern: text, options: [.caseInsensitive]) {
            return { budget.firstMatch(re, in: $0) ?? false }
        }
        let needle = text.lowercased()
        return { $0.lowercased().contains(needle) }
    }
}
