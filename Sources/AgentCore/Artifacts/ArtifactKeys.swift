/// The one place artifact keys are made: `<tenant>/<job>/...`, the tenant first, so that a job's
/// objects are found only under its own tenant (a job id another tenant names leads nowhere).
public struct ArtifactKeys: Sendable, Equatable {
    public let tenant: String
    public let job: String

    /// A job without a tenant (submitted by an operator) is filed under "_", a name no tenant has.
    public init(tenant: String?, job: String) {
        self.tenant = Self.segment(tenant ?? "_")
        self.job = Self.segment(job)
    }

    /// Everything the job holds.
    public var root: String { "\(tenant)/\(job)/" }
    /// Files by content: checkpoints share what did not change.
    public func blob(_ digest: String) -> String { root + "blobs/" + digest }
    public var blobs: String { root + "blobs/" }
    public func checkpoint(turn: Int) -> String { root + "checkpoints/" + String(format: "%08d", turn) + ".json" }
    public var checkpoints: String { root + "checkpoints/" }
    /// The job's files when it ended.
    public var files: String { root + "files.json" }

    /// The turn a checkpoint's key names, or nil for a key that is none.
    public static func turn(ofCheckpoint key: String) -> Int? {
        guard key.hasSuffix(".json"), let name = key.split(separator: "/").last else { return nil }
        return Int(name.dropLast(5))
    }

    /// Names and ids are already checked (letters, digits, `.`, `_`, `-`, `:`); anything else, and a
    /// name of dots, is replaced so that a key never climbs out of its folder.
    static func segment(_ s: String) -> String {
        let kept = String(s.map { $0.isASCII && ($0.isLetter || $0.isNumber || "._-:".contains($0)) ? $0 : "_" })
        return kept.allSatisfy({ $0 == "." }) ? kept.replacingOccurrences(of: ".", with: "_") : kept
    }
}
