import Foundation

/// Sends a running job's output, step records and transcript to its queue. All three are batched
/// every 20 ms (output first, so a step shown finished has its output stored), so a chatty command
/// costs at most 50 round trips a second, a line reaches Redis within ~20 ms, and the job itself
/// never waits on Redis between its steps or an agent's turns.
/// Memory stays flat whatever a step prints: once the queue says the job's stored output is full
/// (or the claim is gone) nothing more is kept, and while Redis is away at most `maxBuffered` bytes wait.
public final class QueueObserver: JobObserver, @unchecked Sendable {
    // `@unchecked Sendable`: every `var` is only touched while holding `lock`.
    private let lock = NSLock()
    private var pending: [OutputEvent] = []
    private var pendingBytes = 0
    /// The queue stores no more of this job's output (full), or none at all (stale claim).
    private var refused: OutputAppend.Outcome?
    private var droppedBytes = 0
    private var lastStep = 0
    private let maxBuffered: Int
    /// One send at a time: a flush that overtook another would append out of order, and `finish`
    /// must not return (and the job be acknowledged) while an earlier batch is still on its way.
    private var sending = false
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private var closed = false
    private var last: [StepRecord] = []
    /// Step records changed since they were last stored.
    private var stepsChanged = false
    private let queue: any JobReporting
    private let token: ClaimToken
    private let sandbox: String?
    private var flusher: Task<Void, Never>?
    /// Transcript entries not yet stored (Redis was away), oldest first, and the model they belong to.
    private var transcriptPending: [TranscriptEntry] = []
    private var transcriptModel = ""
    private var transcriptStale = false
    /// Entries waiting at most, while Redis is away; past that the oldest words are dropped, but
    /// never a model call (it carries what was spent).
    private let maxTranscriptPending = 10_000

    public init(queue: any JobReporting, token: ClaimToken, sandbox: String?, maxBuffered: Int = 4 << 20) {
        self.maxBuffered = maxBuffered
        self.queue = queue
        self.token = token
        self.sandbox = sandbox
    }

    public func start() {
        flusher = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(20))
                await self?.flush()
            }
        }
    }

    public func output(step: Int, stream: OutputEvent.Stream, text: String) {
        lock.withLock {
            if closed { return }
            let bytes = text.utf8.count
            if refused != nil || pendingBytes + bytes > maxBuffered {
                droppedBytes += bytes
                return
            }
            pendingBytes += bytes
            lastStep = step
            // Coalesce with the previous chunk of the same step and stream while it is small (never
            // two typed events: each is one JSON object).
            if stream != .agent, let last = pending.last, last.step == step, last.stream == stream, last.text.utf8.count < 16_384 {
                pending[pending.count - 1].text += text
            } else {
                pending.append(OutputEvent(step: step, stream: stream, text: text))
            }
        }
    }

    /// Kept for the next flush, after the output that came before them.
    public func steps(_ records: [StepRecord]) async {
        lock.withLock {
            last = records
            stepsChanged = true
        }
    }

    /// Kept for the next flush; while Redis is away entries wait, in order.
    public func transcript(_ entry: TranscriptEntry, model: String) async {
        lock.withLock {
            if closed || transcriptStale { return }
            transcriptPending.append(entry)
            transcriptModel = model
            if transcriptPending.count > maxTranscriptPending, let i = transcriptPending.firstIndex(where: { $0.kind != .modelCall }) {
                transcriptPending.remove(at: i)
            }
        }
    }

    /// Returns once everything told so far is stored (output, step records, transcript): the
    /// journal's write-ahead points. While the queue is away it keeps trying, for about 20 s; a
    /// claim that is gone, or a queue away past that, ends the attempt (what was stored is kept).
    public func checkpoint() async throws {
        for attempt in 1...30 {
            await flush()
            let (left, stale) = lock.withLock { (transcriptPending.count, transcriptStale) }
            if stale { throw JobFailure("the job's claim was lost: another worker has it now", kind: .retryable) }
            if left == 0 { return }
            try await Task.sleep(for: .milliseconds(min(50 * attempt, 1000)))
        }
        throw JobFailure("cannot store the agent's journal: the queue is unavailable", kind: .retryable)
    }

    /// Records what the sandbox cost, with the final step records.
    public func usage(_ usage: (seconds: Double, dollars: Double)) async {
        await flush()
        let records = lock.withLock { last }
        try? await queue.record(token, steps: records, sandbox: sandbox, usage: usage)
    }

    /// Sends what is buffered, after any send already under way. A failed send keeps the events for the next try.
    public func flush() async {
        await withCheckedContinuation { (turn: CheckedContinuation<Void, Never>) in
            let now = lock.withLock { () -> Bool in
                if sending { waiting.append(turn); return false }
                sending = true
                return true
            }
            if now { turn.resume() }
        }
        // Output, then step records, then transcript, in one report: a step shown finished has its
        // output, and the journal's entries follow what they speak of.
        let (batch, model) = lock.withLock { () -> (ReportBatch, String) in
            defer {
                pending = []
                pendingBytes = 0
                stepsChanged = false
                transcriptPending = []
            }
            return (ReportBatch(output: pending, steps: stepsChanged ? last : nil, sandbox: sandbox, transcript: transcriptPending,
                                model: transcriptModel), transcriptModel)
        }
        if !batch.output.isEmpty || batch.steps != nil || !batch.transcript.isEmpty {
            do {
                let answer = try await queue.report(token, batch)
                lock.withLock {
                    droppedBytes += answer.output.droppedBytes
                    if answer.output.outcome != .stored {
                        refused = answer.output.outcome
                        droppedBytes += pendingBytes
                        pending = []
                        pendingBytes = 0
                    }
                    if answer.transcript.outcome == .stale { transcriptStale = true }
                }
            } catch {
                // Nothing is known to be stored: all of it waits for the next flush, in order.
                lock.withLock {
                    pending = batch.output + pending
                    pendingBytes = pending.reduce(0) { $0 + $1.text.utf8.count }
                    if batch.steps != nil { stepsChanged = true }
                    transcriptPending = batch.transcript + transcriptPending
                    transcriptModel = model
                }
            }
        }
        let next = lock.withLock { () -> CheckedContinuation<Void, Never>? in
            if waiting.isEmpty { sending = false; return nil }
            return waiting.removeFirst()
        }
        next?.resume()
    }

    /// Stops batching and sends the rest, trying a few times over about 3 s if Redis is away
    /// (the job's acknowledgement, which comes next, would wait for Redis anyway).
    public func finish() async {
        flusher?.cancel()
        for attempt in 1...5 {
            await flush()
            if lock.withLock({ pending.isEmpty && transcriptPending.isEmpty && !stepsChanged }) { break }
            try? await Task.sleep(for: .milliseconds(200 * attempt))
        }
        // Say what was not kept, so a reader knows the stream is not the whole story.
        let note: OutputEvent? = lock.withLock {
            closed = true
            guard droppedBytes > 0, refused != .stale else { return nil }
            return OutputEvent(step: lastStep, stream: .system, text: "\(droppedBytes) bytes of output were not kept")
        }
        if let note { _ = try? await queue.appendOutput(token, events: [note]) }
    }
}
