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
    /// Agent jobs' model calls, by endpoint name.
    public var models: [String: ModelMetrics] = [:]
    /// Bytes of workspace checkpoints and files uploaded to the artifact store, and held there now by jobs that kept files.
    public var artifactUploaded = 0
    public var artifactStored = 0

    public init() {}

    /// From the metrics hash's fields.
    public init(fields: [String: Int]) {
        succeeded = fields["succeeded"] ?? 0
        failed = fields["failed"] ?? 0
        retried = fields["retried"] ?? 0
        cancelled = fields["cancelled"] ?? 0
        sumMs = fields["sum_ms"] ?? 0
        artifactUploaded = max(0, fields["artifact_uploaded"] ?? 0)
        artifactStored = max(0, fields["artifact_stored"] ?? 0)
        for i in buckets.indices { buckets[i] = fields["b\(i + 1)"] ?? 0 }
        // Model fields are `model|<name>|<figure>`; the name is the worker's configuration, never a job's.
        for (field, value) in fields where field.hasPrefix(ModelMetrics.fieldPrefix) {
            let rest = field.dropFirst(ModelMetrics.fieldPrefix.count)
            guard let bar = rest.lastIndex(of: "|"), bar > rest.startIndex else { continue }
            models[String(rest[..<bar]), default: ModelMetrics()].set(String(rest[rest.index(after: bar)...]), value)
        }
    }

    public var count: Int { buckets.reduce(0, +) }

    /// How an attempt ended, as the metrics count it.
    public enum Outcome: String, Sendable, CaseIterable {
        /// `failed`: for good; `retried`: failed, to run again.
        case succeeded, failed, retried, cancelled
    }

    /// Counts one finished attempt that took `ms` from claim to outcome, as the ack scripts do; nil
    /// (never claimed) counts no duration.
    public mutating func observe(_ outcome: Outcome, ms: Int?) {
        switch outcome {
        case .succeeded: succeeded += 1
        case .failed: failed += 1
        case .retried: retried += 1
        case .cancelled: cancelled += 1
        }
        guard let took = ms.map({ max(0, $0) }) else { return }
        buckets[Self.bucketsMs.firstIndex { took <= $0 } ?? Self.bucketsMs.count] += 1
        sumMs += took
    }
}

/// One model endpoint's calls from one queue's agent jobs: tokens, dollars, and latency as a histogram.
public struct ModelMetrics: Sendable, Equatable {
    /// Upper bounds of the latency buckets, in milliseconds; one more bucket holds the rest.
    public static let bucketsMs = [100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 120_000]
    static let fieldPrefix = "model|"

    public var calls = 0
    public var inputTokens = 0
    public var outputTokens = 0
    /// Stored as whole millionths of a dollar, so counters add up exactly.
    public var microdollars = 0
    public var buckets = [Int](repeating: 0, count: bucketsMs.count + 1)
    public var sumMs = 0

    public init() {}

    public var dollars: Double { Double(microdollars) / 1e6 }

    /// Counts one model call, as the transcript script does.
    public mutating func observe(inputTokens: Int, outputTokens: Int, microdollars: Int, ms: Int) {
        calls += 1
        self.inputTokens += inputTokens
        self.outputTokens += outputTokens
        self.microdollars += microdollars
        buckets[Self.bucketsMs.firstIndex { ms <= $0 } ?? Self.bucketsMs.count] += 1
        sumMs += ms
    }

    mutating func set(_ figure: String, _ value: Int) {
        switch figure {
        case "calls": calls = value
        case "input_tokens": inputTokens = value
        case "output_tokens": outputTokens = value
        case "usd_micros": microdollars = value
        case "sum_ms": sumMs = value
        default:
            if figure.hasPrefix("b"), let i = Int(figure.dropFirst()), buckets.indices.contains(i - 1) { buckets[i - 1] = value }
        }
    }
}
