import AgentCore
import Foundation

/// A task job's transcript as the transcript screen follows it: the stored entries (whole, as the
/// worker keeps them with the job) and the words of a turn the model is still writing, read from
/// the job's output stream before the turn is stored.
///
/// Each turn's words stream as `model` events and end with the turn's `model_call` (an `agent`
/// event, the same entry the stored transcript gets a moment later), so a streamed turn is shown
/// until the stored transcript holds that `model_call`, and never twice.
public struct TranscriptFeed: Sendable, Equatable {
    public var jobID = ""
    public private(set) var entries: [TranscriptEntry] = []
    /// Stored items read so far (entries that did not decode count too): where the next read starts.
    public var storedRead = 0
    /// Turns whose words came in the stream but are not stored yet, oldest first. The last is the
    /// one being written while `open`.
    public private(set) var streaming: [(call: TranscriptEntry?, text: String)] = []
    /// When the last streamed words came (the benchmark and the cursor read it).
    public private(set) var streamedAt: Date?
    /// The stored model calls, as `key` has them.
    private var storedCalls: Set<String> = []

    /// Bytes of one streamed turn kept (its stored entry has it whole).
    static let streamedLimit = 64 << 10
    /// Entries kept at most: the stored transcript's byte cap keeps one far below this.
    static let entryLimit = 50_000

    public init(jobID: String = "") { self.jobID = jobID }

    public static func == (a: TranscriptFeed, b: TranscriptFeed) -> Bool {
        a.jobID == b.jobID && a.entries == b.entries && a.storedRead == b.storedRead && a.live == b.live
    }

    /// Entries read from the stored transcript, in order, after those already held.
    public mutating func stored(_ new: [TranscriptEntry], read: Int) {
        storedRead += read
        // A call's start is the journal's bookkeeping: its call and result say it all on screen.
        for e in new where entries.count < Self.entryLimit && e.kind != .callStarted {
            entries.append(e)
            guard e.kind == .modelCall else { continue }
            storedCalls.insert(Self.key(e))
            // The stored turn replaces its streamed words.
            if let i = streaming.firstIndex(where: { $0.call.map { Self.key($0) == Self.key(e) } ?? false }) {
                streaming.removeSubrange(...i)
            }
        }
    }

    /// Events of the job's output stream, in order: a model's words, and the typed events that end a turn.
    public mutating func streamed(_ events: [OutputEvent], now: Date) {
        for e in events {
            switch e.stream {
            case .model:
                if streaming.last.map({ $0.call != nil }) ?? true { streaming.append((nil, "")) }
                let n = streaming.count - 1
                if streaming[n].text.utf8.count < Self.streamedLimit { streaming[n].text += e.text }
                streamedAt = now
            case .agent:
                guard let entry = TranscriptEntry.decode(e.text), entry.kind == .modelCall else { continue }
                // Stored already (the follower started behind the store): nothing to wait for.
                if storedCalls.contains(Self.key(entry)) {
                    if let last = streaming.last, last.call == nil { streaming.removeLast() }
                    continue
                }
                if let last = streaming.last, last.call == nil {
                    streaming[streaming.count - 1].call = entry
                } else {
                    streaming.append((entry, ""))
                }
            default: continue
            }
        }
        // A stream whose turns never get stored (the transcript is full) keeps only the newest few.
        if streaming.count > 8 { streaming.removeFirst(streaming.count - 8) }
    }

    /// The words of turns not stored yet, and whether the model is still writing the last.
    public var live: (text: String, open: Bool) {
        (streaming.map(\.text).joined(), streaming.last.map { $0.call == nil } ?? false)
    }

    /// Tells model calls apart: the worker stamps each entry's time, and its text names the turn.
    static func key(_ e: TranscriptEntry) -> String { "\(e.at ?? -1)|\(e.text)" }
}
