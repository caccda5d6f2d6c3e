import Foundation

/// One chunk of a job's output, as stored in its stream.
public struct OutputEvent: Sendable, Equatable {
    /// `model`: an agent's model writing, as it streams; `agent`: one transcript entry as JSON
    /// (`TranscriptEntry`), a typed event that is kept whole or not at all.
    public enum Stream: String, Sendable { case stdout, stderr, system, model, agent }

    /// The stream entry id ("1700000000000-0"); empty before it is stored.
    public var offset: String
    public var step: Int
    public var stream: Stream
    public var text: String

    public init(offset: String = "", step: Int, stream: Stream, text: String) {
        self.offset = offset
        self.step = step
        self.stream = stream
        self.text = text
    }
}

/// What became of appended output.
public struct OutputAppend: Sendable, Equatable {
    public enum Outcome: String, Sendable { case stored, full, stale }
    /// `full`: the job's stored output reached its cap, and what did not fit was dropped (the stream
    /// says so); `stale`: the claim is no longer current or the job is gone, and nothing was written.
    public var outcome: Outcome
    /// Bytes of this batch that were not stored.
    public var droppedBytes: Int

    public init(_ outcome: Outcome, droppedBytes: Int = 0) {
        self.outcome = outcome
        self.droppedBytes = droppedBytes
    }
}
