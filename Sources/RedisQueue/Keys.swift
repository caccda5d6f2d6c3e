/// Every Redis key swissagent uses is built here. A queue's keys, and its jobs' keys, share the
/// hash tag `{queue}` so one queue's scripts touch a single Redis Cluster slot.
public struct Keys: Sendable {
    public let prefix: String

    public init(prefix: String = "swissagent:") { self.prefix = prefix }

    /// The set of known queue names.
    public var queues: String { prefix + "queues" }
    /// Workers by last heartbeat (sorted set, score = unix ms).
    public var workers: String { prefix + "workers" }
    public func worker(_ id: String) -> String { prefix + "worker:" + id }
    /// Pub/sub channel for cancel requests and console updates.
    public var events: String { prefix + "events" }

    public func queue(_ name: String) -> QueueKeys { QueueKeys(base: prefix + "{" + name + "}:") }
}

public struct QueueKeys: Sendable {
    /// `prefix{queue}:`; Lua scripts append a job id to `jobPrefix` for the job's own keys.
    public let base: String

    public var pending: String { base + "pending" }          // list of ids, LPUSH in, RPOP out (FIFO)
    public var active: String { base + "active" }            // list of claimed ids
    public var lease: String { base + "lease" }              // zset id -> lease expiry (ms)
    public var scheduled: String { base + "scheduled" }      // zset id -> run-at (ms)
    public var retry: String { base + "retry" }              // zset id -> next attempt (ms)
    public var failed: String { base + "failed" }            // zset id -> failed at (ms)
    public var succeeded: String { base + "succeeded" }      // zset id -> finished at (ms)
    public var cancelled: String { base + "cancelled" }      // zset id -> cancelled at (ms)
    public var paused: String { base + "paused" }            // exists while paused
    public var marker: String { base + "marker" }            // zset with one member while work may be waiting
    public var jobPrefix: String { base + "job:" }
    public var metrics: String { base + "metrics" }
    public var goneArtifacts: String { base + "artifacts_gone" }  // list of artifact roots whose job was deleted or trimmed
    public var parked: String { base + "parked" }            // zset id -> when a parked job wakes by itself (ms): its approval's timeout
    public var awaiting: String { base + "awaiting" }        // zset id -> asked at (ms): active jobs whose tool call waits for a person          // hash: outcome counters and the attempt-duration histogram

    public func job(_ id: String) -> String { jobPrefix + id }                     // hash
    public func history(_ id: String) -> String { jobPrefix + id + ":history" }    // list of JSON events
    public func output(_ id: String) -> String { jobPrefix + id + ":output" }      // stream
    public func transcript(_ id: String) -> String { jobPrefix + id + ":transcript" }  // list of JSON entries

    /// Per-minute counters; `minute` is unix minutes.
    public func processed(minute: Int) -> String { base + "processed:" + String(minute) }
    public func failedCount(minute: Int) -> String { base + "failedcount:" + String(minute) }

    /// The sorted set that holds jobs of a state, if that state is a sorted set.
    public func set(for state: String) -> String? {
        switch state {
        case "scheduled": scheduled
        case "retrying": retry
        case "failed": failed
        case "succeeded": succeeded
        case "cancelled": cancelled
        case "awaiting": parked
        default: nil
        }
    }
}
