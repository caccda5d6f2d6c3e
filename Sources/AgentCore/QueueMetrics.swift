/// A queue's totals since it was created, for Prometheus: finished attempts by outcome, and how
/// long attempts took (claim to outcome) as a histogram. Kept by the ack scripts, read in one call.
public struct QueueMetrics: Sendable, Equatable {
    /// Upper bounds of the duration buckets, in milliseconds; one more bucket holds the rest.
    public static let bucketsMs = [100, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 300_000, 900_000, 3_600_000]

    public var succeeded = 0
    /// Attempts that failed for good (attempts used up, or not retryable).
    public var failed = 0
    /// Attempts that failed and were scheduled again.
    public var retried = 0
    public var cancelled = 0
    /// Attempts per bucket (not cumulative), `bucketsMs.count + 1` of them.
    public var buckets = [Int](repeating: 0, count: bucketsMs.count + 1)
    public var sumMs = 0

    public init() {}

    /// From the metrics hash's fields.
    public init(fields: [String: Int]) {
        succeeded = fields["succeeded"] ?? 0
        failed = fields["failed"] ?? 0
        retried = fields["retried"] ?? 0
        cancelled = fields["cancelled"] ?? 0
        sumMs = fields["sum_ms"] ?? 0
        for i in buckets.indices { buckets[i] = fields["b\(i + 1)"] ?? 0 }
    }

    public var count: Int { buckets.reduce(0, +) }
}
