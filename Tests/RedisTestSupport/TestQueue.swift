import AgentCore
import Foundation
import TestServers
import Redis
import RedisQueue

/// A clock tests move by hand, so leases and backoffs expire without waiting.
/// `@unchecked Sendable`: all access holds `lock`.
public final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    public init(_ start: Date = Date()) { current = start }

    public var now: Date { lock.withLock { current } }
    public func advance(_ seconds: Double) { lock.withLock { current = current.addingTimeInterval(seconds) } }
}

/// A queue under a key prefix of its own, on the shared test Redis; `cleanup()` deletes only its keys.
public struct TestQueue: Sendable {
    public let prefix: String
    public let url: String
    public let queue: RedisJobQueue
    public let clock: TestClock?

    public init(clock: TestClock? = nil, retry: RetryPolicy = RetryPolicy(), retention: RetentionPolicy = RetentionPolicy(),
                maxOrphans: Int = 10, outputMaxEntries: Int = 10_000, outputMaxBytes: Int = RedisJobQueue.defaultOutputMaxBytes,
                transcriptMaxBytes: Int = RedisJobQueue.defaultTranscriptMaxBytes) throws {
        url = try RedisTestServer.sharedURL
        prefix = "swissagent-test:\(UUID().uuidString.prefix(12)):"
        self.clock = clock
        let now: @Sendable () -> Date = if let clock { { clock.now } } else { { Date() } }
        queue = RedisJobQueue(client: try RedisClient(url: url), prefix: prefix, retry: retry, retention: retention,
                              maxOrphans: maxOrphans, outputMaxEntries: outputMaxEntries, outputMaxBytes: outputMaxBytes,
                              transcriptMaxBytes: transcriptMaxBytes, clock: now)
    }

    public func cleanup() async throws {
        try await queue.client.deleteKeys(withPrefix: prefix)
    }

    /// Runs `body` with a fresh queue and removes its keys afterwards, pass or fail.
    public static func with<T>(clock: TestClock? = nil, retry: RetryPolicy = RetryPolicy(),
                               retention: RetentionPolicy = RetentionPolicy(), maxOrphans: Int = 10, outputMaxEntries: Int = 10_000,
                               outputMaxBytes: Int = RedisJobQueue.defaultOutputMaxBytes,
                               transcriptMaxBytes: Int = RedisJobQueue.defaultTranscriptMaxBytes,
                               _ body: (TestQueue) async throws -> T) async throws -> T {
        let tq = try TestQueue(clock: clock, retry: retry, retention: retention, maxOrphans: maxOrphans, outputMaxEntries: outputMaxEntries,
                               outputMaxBytes: outputMaxBytes, transcriptMaxBytes: transcriptMaxBytes)
        do {
            let result = try await body(tq)
            try await tq.cleanup()
            return result
        } catch {
            try? await tq.cleanup()
            throw error
        }
    }
}

public func shellJob(_ command: String, queue: String = "default", maxAttempts: Int = 3, metadata: [String: JSONValue] = [:]) -> JobSpec {
    JobSpec(queue: queue, steps: [StepSpec(tool: "shell", input: ["command": .string(command)])], maxAttempts: maxAttempts,
            metadata: metadata)
}
