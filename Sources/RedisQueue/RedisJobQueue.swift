import AgentCore
import Foundation
import Redis

/// `JobQueue` on Redis. One instance holds one connection: give each blocking consumer its own
/// (`RedisJobQueue(config:)` is cheap), and share one for everything else.
public final class RedisJobQueue: JobQueue, Sendable {
    public let client: RedisClient
    public let keys: Keys
    public let retry: RetryPolicy
    public let retention: RetentionPolicy
    /// Jobs orphaned this many times go to failed instead of running again.
    public let maxOrphans: Int
    public let outputMaxEntries: Int
    /// Bytes of output kept per job, over all its attempts; what comes after is dropped.
    public let outputMaxBytes: Int
    /// Bytes of an agent's transcript (as JSON) kept per job, over all its attempts.
    public let transcriptMaxBytes: Int
    let clock: @Sendable () -> Date
    /// Told of each record found in a pending list that was not a job (it went to failed), for the log.
    public let onInvalidRecord: @Sendable (String) -> Void
    let knownQueues = KnownQueues()
    /// Which queue each job id lives in: jobs never move, so lookups that follow a job (output,
    /// state polling) skip the per-queue search after the first.
    let locations = JobLocations()

    public static let defaultOutputMaxBytes = 16 << 20
    public static let defaultTranscriptMaxBytes = 4 << 20

    /// Per-minute counters live two hours, so the last hour is always complete.
    static let counterTTLms = 2 * 3600 * 1000

    public init(client: RedisClient, prefix: String = "swissagent:", retry: RetryPolicy = RetryPolicy(),
                retention: RetentionPolicy = RetentionPolicy(), maxOrphans: Int = 10, outputMaxEntries: Int = 10_000,
                outputMaxBytes: Int = RedisJobQueue.defaultOutputMaxBytes,
                transcriptMaxBytes: Int = RedisJobQueue.defaultTranscriptMaxBytes, clock: @escaping @Sendable () -> Date = { Date() },
                onInvalidRecord: @escaping @Sendable (String) -> Void = { _ in }) {
        self.onInvalidRecord = onInvalidRecord
        self.client = client
        self.keys = Keys(prefix: prefix)
        self.retry = retry
        self.retention = retention
        self.maxOrphans = maxOrphans
        self.outputMaxEntries = outputMaxEntries
        self.outputMaxBytes = outputMaxBytes
        self.transcriptMaxBytes = transcriptMaxBytes
        self.clock = clock
    }

    /// A queue with the same settings on a connection of its own (for a blocking consumer).
    public func withNewConnection(label: String = "redis") -> RedisJobQueue {
        RedisJobQueue(client: RedisClient(client.config, label: label), prefix: keys.prefix, retry: retry, retention: retention,
                      maxOrphans: maxOrphans, outputMaxEntries: outputMaxEntries, outputMaxBytes: outputMaxBytes,
                      transcriptMaxBytes: transcriptMaxBytes, clock: clock, onInvalidRecord: onInvalidRecord)
    }

    public func ping() async throws { try await client.call("PING") }

    public var address: String { client.config.shortAddress }

    var nowMs: Int { Int(clock().timeIntervalSince1970 * 1000) }
}

/// Queue names this process has already registered, to skip a redundant SADD per enqueue.
/// `@unchecked Sendable`: all access holds `lock`.
final class KnownQueues: @unchecked Sendable {
    private let lock = NSLock()
    private var names: Set<String> = []

    func insert(_ name: String) -> Bool { lock.withLock { names.insert(name).inserted } }
}

/// Job id -> queue, bounded. `@unchecked Sendable`: all access holds `lock`.
final class JobLocations: @unchecked Sendable {
    private let lock = NSLock()
    private var map: [String: String] = [:]

    func get(_ id: String) -> String? { lock.withLock { map[id] } }
    func set(_ id: String, _ queue: String) {
        lock.withLock {
            if map.count >= 10_000 { map.removeAll(keepingCapacity: true) }
            map[id] = queue
        }
    }
    func forget(_ id: String) { lock.withLock { _ = map.removeValue(forKey: id) } }
}

extension Date {
    init(ms: Double) { self.init(timeIntervalSince1970: ms / 1000) }
}
