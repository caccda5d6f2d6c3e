/// What one checkpoint (and a job's files) may hold: caps no job can lift.
public struct CheckpointLimits: Sendable, Equatable {
    public var maxBytes: Int
    public var maxFiles: Int

    public static let defaultMaxBytes = 256 << 20
    public static let defaultMaxFiles = 10_000

    public init(maxBytes: Int = CheckpointLimits.defaultMaxBytes, maxFiles: Int = CheckpointLimits.defaultMaxFiles) {
        self.maxBytes = maxBytes
        self.maxFiles = maxFiles
    }
}
