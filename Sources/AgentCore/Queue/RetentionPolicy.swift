import Foundation

/// How long finished jobs are kept.
public struct RetentionPolicy: Sendable, Equatable {
    public var succeededSeconds: Double
    public var failedSeconds: Double
    public var failedMaxCount: Int

    public init(succeededSeconds: Double = 24 * 3600, failedSeconds: Double = 30 * 24 * 3600, failedMaxCount: Int = 100_000) {
        self.succeededSeconds = succeededSeconds
        self.failedSeconds = failedSeconds
        self.failedMaxCount = failedMaxCount
    }
}
