import Foundation

/// The one JSON view of a job and of a row of a job list: `swissagent jobs show --json` and
/// `GET /v1/jobs/{id}` print the same document, `jobs list --json` and `GET /v1/jobs` the same rows.
/// Timestamps are ISO 8601 with milliseconds, absent values null.
public enum WireModel {
    /// A job: state, attempts, timestamps, sandbox and cost, spec, steps and history. `id` is the id
    /// as its reader knows it (an API tenant sees its own ids without their tenant prefix).
    public static func job(_ job: JobRecord, id: String? = nil) -> JSONValue {
        let shown = id ?? job.id
        var spec = (try? JSONValue.parse(Data(job.specJSON.utf8))) ?? .string(job.specJSON)
        if case .object(var fields) = spec, fields["id"] != nil {
            fields["id"] = .string(shown)
            spec = .object(fields)
        }
        return .object([
            "id": .string(shown), "queue": .string(job.queue), "state": .string(job.state.rawValue),
            "attempts": number(job.attempts), "max_attempts": number(job.maxAttempts), "orphaned": number(job.orphaned),
            "created_at": time(job.createdAt), "updated_at": time(job.updatedAt), "finished_at": time(job.finishedAt),
            "run_at": time(job.runAt), "lease_until": time(job.leaseUntil), "worker": text(job.worker),
            "error": text(job.lastError), "result": text(job.result), "cancel_requested": .bool(job.cancelRequested),
            "sandbox": text(job.sandbox), "sandbox_seconds": job.sandboxSeconds.map { .number($0) } ?? .null,
            "cost_usd": job.costUSD.map { .number($0) } ?? .null,
            "spec": spec,
            "steps": .array(job.steps.map(step)),
            "history": .array(job.history.map { e in
                .object([
                    "at": time(Date(timeIntervalSince1970: e.at / 1000)), "event": .string(e.event),
                    "attempt": e.attempt.map(number) ?? .null, "worker": text(e.worker), "error": text(e.error), "note": text(e.note),
                ])
            }),
        ])
    }

    /// A row of a job list.
    public static func row(_ r: JobSummary, id: String? = nil) -> JSONValue {
        .object([
            "id": .string(id ?? r.id), "queue": .string(r.queue), "state": text(r.state?.rawValue),
            "tools": .array(r.tools.split(separator: ",").map { .string(String($0)) }),
            "attempts": number(r.attempts), "max_attempts": number(r.maxAttempts), "worker": text(r.worker),
            "error": text(r.lastError), "created_at": time(r.createdAt), "updated_at": time(r.updatedAt), "tenant": text(r.tenant),
        ])
    }

    /// A step record with every field it has, its limits included.
    static func step(_ s: StepRecord) -> JSONValue {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(s)).flatMap { try? JSONValue.parse($0) } ?? .object(["tool": .string(s.tool)])
    }

    static func number(_ n: Int) -> JSONValue { .number(Double(n)) }
    static func text(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }

    static func time(_ date: Date?) -> JSONValue { timestamp(date).map { .string($0) } ?? .null }

    /// ISO 8601 with milliseconds, the one way every surface writes a time.
    public static func timestamp(_ date: Date?) -> String? {
        guard let date else { return nil }
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: date)
    }
}
