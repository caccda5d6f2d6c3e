import AgentCore
import Foundation

/// Numbers read back from Redis are untrusted: anyone who can write to Redis (or a bug) can leave a
/// `created_at` of 1e300, and a Date or an Int built from it traps wherever it is formatted. Every
/// number is checked here, where it is decoded, so the console, the CLI and the API all see either a
/// value in range or none.
enum Stored {
    /// Unix milliseconds up to 9999-12-31.
    static let maxMs = 253_402_300_799_000.0
    static let maxCount = Double(1 << 40)

    static func date(ms text: String?) -> Date? { date(ms: text.flatMap { Double($0) }) }

    static func date(ms value: Double?) -> Date? {
        guard let value, value.isFinite, value >= 0, value <= maxMs else { return nil }
        return Date(ms: value)
    }

    /// A non-negative whole count (attempts, bytes, claims).
    static func count(_ text: String?) -> Int? {
        guard let text, let v = Double(text), v.isFinite, v >= 0, v <= maxCount, v == v.rounded() else { return nil }
        return Int(v)
    }

    static func count(_ value: Int?) -> Int? {
        guard let value, value >= 0, Double(value) <= maxCount else { return nil }
        return value
    }

    /// A non-negative amount (seconds, dollars).
    static func amount(_ text: String?) -> Double? { amount(text.flatMap { Double($0) }) }

    static func amount(_ value: Double?) -> Double? {
        guard let value, value.isFinite, value >= 0, value <= maxCount else { return nil }
        return value
    }

    /// Unix seconds up to 9999-12-31.
    static func seconds(_ value: Double?) -> Double? {
        guard let value, value.isFinite, value >= 0, value <= maxMs / 1000 else { return nil }
        return value
    }
}

extension StepRecord {
    /// This record with every number out of range dropped.
    func checked() -> StepRecord {
        var r = self
        r.startedAt = Stored.seconds(startedAt)
        r.seconds = Stored.amount(seconds)
        r.outputBytes = Stored.count(outputBytes) ?? 0
        if let l = limits, Stored.amount(l.wallSeconds) == nil || [l.cpuSeconds, l.memoryMB, l.processes, l.outputBytes, l.diskMB]
            .contains(where: { $0 != nil && Stored.count($0) == nil }) {
            r.limits = nil
        }
        return r
    }
}

extension JobEvent {
    /// nil when its time is out of range (an event that cannot be placed is not shown).
    func checked() -> JobEvent? {
        guard Stored.date(ms: at) != nil else { return nil }
        var e = self
        if let a = attempt, Stored.count(a) == nil { e.attempt = nil }
        return e
    }
}

extension WorkerInfo {
    /// nil when its times or counts are out of range.
    func checked() -> WorkerInfo? {
        guard Stored.seconds(startedAt) != nil, Stored.seconds(heartbeatAt) != nil, Stored.count(pid) != nil,
              let c = Stored.count(concurrency), c <= 100_000 else { return nil }
        return self
    }
}

extension TranscriptEntry {
    /// This entry with every number out of range dropped.
    func checked() -> TranscriptEntry {
        var e = self
        e.inputTokens = Stored.count(inputTokens)
        e.outputTokens = Stored.count(outputTokens)
        e.dollars = Stored.amount(dollars)
        e.seconds = Stored.amount(seconds)
        e.at = Stored.seconds(at)
        return e
    }
}
