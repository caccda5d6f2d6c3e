/// Where a job's data may go. A fixed set: a value that is not one of these is refused where a job
/// enters, and a stored one that is not (written by hand, or by an older version) reads as the
/// strictest, never the loosest.
public enum Residency: String, Sendable, CaseIterable {
    /// Anywhere the worker is configured to send it (E2B, external model endpoints): the default.
    case any
    /// Never leaves this cluster: the local sandbox only, `in-cluster` model endpoints only.
    case localOnly = "local-only"

    /// The strictest residency: what an unreadable stored value means.
    public static let strictest = Residency.localOnly

    /// "any, local-only", for error messages and help.
    public static let allowed = allCases.map(\.rawValue).joined(separator: ", ")

    /// Whether the job's data must stay in this cluster.
    public var staysLocal: Bool { self == .localOnly }
}
