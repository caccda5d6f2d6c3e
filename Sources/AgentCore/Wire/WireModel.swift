import Foundation

/// The one JSON writer of the wire views (WireViews.swift): `swissagent jobs show --json` and
/// `GET /v1/jobs/{id}` print the same document, `jobs list --json` and `GET /v1/jobs` the same rows,
/// `queues --json` and `GET /v1/queues` the same numbers. Timestamps are ISO 8601 with milliseconds,
/// absent values null.
public enum WireModel {
    public static func job(_ job: JobRecord, transcript: [TranscriptEntry] = [], id: String? = nil) -> JSONValue {
        encode(JobView(job, transcript: transcript, id: id))
    }
    public static func row(_ r: JobSummary, id: String? = nil) -> JSONValue { encode(JobRowView(r, id: id)) }
    public static func queue(_ s: QueueStats, now: Date = Date()) -> JSONValue { encode(QueueStatsView(s, now: now)) }
    public static func worker(_ w: WorkerInfo) -> JSONValue { encode(WorkerView(w)) }

    /// A view as a JSON value, with sorted keys and every time written by `timestamp`.
    public static func encode(_ view: some Encodable) -> JSONValue {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // A number no JSON can hold (a record's NaN) is written as a string rather than losing the document.
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(timestamp(date))
        }
        // Every view is plain data (strings, numbers, JSON values), so encoding does not fail.
        return (try? encoder.encode(view)).flatMap { try? JSONValue.parse($0) } ?? .null
    }

    /// ISO 8601 with milliseconds, the one way every surface writes a time.
    public static func timestamp(_ date: Date?) -> String? {
        date.map { iso8601.format($0) }
    }

    /// A value type, so one serves every thread (a list of 500 rows made 1,000 formatters).
    static let iso8601 = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
}
