extension QueueStats {
    /// The stats as `swissagent queues --json` and `GET /v1/queues` both give them.
    public var json: JSONValue {
        .object([
            "queue": .string(queue), "paused": .bool(paused), "pending": .number(Double(pending)), "active": .number(Double(active)),
            "scheduled": .number(Double(scheduled)), "retrying": .number(Double(retrying)), "failed": .number(Double(failed)),
            "succeeded": .number(Double(succeeded)), "cancelled": .number(Double(cancelled)), "orphaned": .number(Double(orphaned)),
            "oldest_pending_s": oldestPendingAge.map { .number($0) } ?? .null,
            "processed_last_hour": .array(processedPerMinute.map { .number(Double($0)) }),
            "failed_last_hour": .array(failedPerMinute.map { .number(Double($0)) }),
        ])
    }
}
