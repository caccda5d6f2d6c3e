import AgentCore
import Foundation
import Operations

/// What the screen needs from Redis now; the UI thread sets it, the poller reads it.
public struct DataRequest: Sendable, Equatable {
    public var screen: Screen = .queues
    public var selection = 0
    public var filter = ""
    /// Rows loaded around the selection: a screenful or two, so a refresh stays cheap.
    public var pageSize = 64

    public init(screen: Screen = .queues, selection: Int = 0, filter: String = "", pageSize: Int = 64) {
        self.screen = screen
        self.selection = selection
        self.filter = filter
        self.pageSize = pageSize
    }
}

/// Reads Redis on background tasks and publishes `ConsoleData` snapshots. The UI never waits on it:
/// it draws whatever snapshot is newest. When Redis is away, the last data stays, with the reason.
/// `@unchecked Sendable`: `request`, `data`, `version` and `wake` are only touched while holding `lock`.
public final class DataSource: @unchecked Sendable {
    private let lock = NSLock()
    private var request = DataRequest()
    private var data = ConsoleData()
    private var version = 0
    private var wake = false
    let queue: any QueueReader
    /// Output and transcript reads block: they have a connection of their own.
    let outputQueue: any QueueReader
    let clock: @Sendable () -> Date
    /// Seconds between refreshes of the queue numbers.
    public var interval: Double = 1
    /// The most waiting calls the approvals screen loads.
    static let approvalsShown = 500
    /// How many of the newest jobs a filter searches.
    public var filterScanLimit = 10_000

    /// Jobs' files, for the detail screen (nil: no artifact store named).
    public var files: JobFiles?
    /// The job and state whose files were read last: they are read again only when either changes.
    private var filesRead: String?

    public init(queue: any QueueReader, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.queue = queue
        outputQueue = queue.withNewConnection(label: "console-output")
        self.clock = clock
        lock.withLock { data.redisAddress = queue.address }
    }

    public var snapshot: (ConsoleData, Int) { lock.withLock { (data, version) } }

    public func want(_ r: DataRequest) {
        lock.withLock {
            if r != request { request = r; wake = true }
        }
    }

    /// Fetch now rather than at the next tick.
    public func poke() { lock.withLock { wake = true } }

    private func publish(_ change: (inout ConsoleData) -> Void) {
        lock.withLock {
            change(&data)
            data.now = clock()
            version += 1
        }
    }

    /// Runs until cancelled.
    public func run() async {
        async let output: Void = followLoop()
        await pollLoop()
        await output
    }

    private func pollLoop() async {
        var backoff = 0.0
        while !Task.isCancelled {
            let r = lock.withLock { () -> DataRequest in wake = false; return request }
            do {
                try await refresh(r)
                backoff = 0
                publish { $0.redis = .up }
            } catch {
                backoff = min(max(backoff * 2, 1), 10)
                let reason = (error as? any QueueUnavailable)?.reason ?? "\(error)"
                let retry = clock().addingTimeInterval(backoff)
                publish { $0.redis = .down(reason: reason, retryAt: retry) }
                await sleep(backoff, wakeOnRequest: false)
                continue
            }
            await sleep(interval, wakeOnRequest: true)
        }
    }

    /// Sleeps in short steps so a new request (the person moved) is served at once; also ticks the
    /// clock so countdowns on screen move.
    private func sleep(_ seconds: Double, wakeOnRequest: Bool) async {
        let end = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < end && !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(50))
            if wakeOnRequest && lock.withLock({ wake }) { return }
            if !wakeOnRequest { publish { _ in } }
        }
    }

    /// One refresh for the given request, as the poller does it (for the benchmark).
    public func refreshOnce(_ r: DataRequest) async throws { try await refresh(r) }

    private func refresh(_ r: DataRequest) async throws {
        let names = try await queue.queues()
        var stats: [QueueStats] = []
        for name in names { stats.append(try await queue.stats(queue: name)) }
        let workers = try await queue.workers()
        publish { d in
            d.queues = stats
            d.workers = workers
        }
        switch r.screen {
        case .jobs(let q, let state): try await loadList(r, queues: q.map { [$0] } ?? names, state: state, stats: stats)
        case .groups(let q): try await loadGroups(q.map { [$0] } ?? names)
        case .approvals(let q):
            var rows: [AwaitingApproval] = []
            for name in q.map({ [$0] }) ?? names where rows.count < Self.approvalsShown {
                rows += try await queue.awaiting(queue: name, offset: 0, limit: Self.approvalsShown - rows.count)
            }
            publish { $0.approvals = rows }
        case .detail(let id), .transcript(let id):
            let job = try await queue.job(id: id)
            publish { $0.detail = job }
            if case .detail = r.screen, let files, let job { await loadFiles(job, files) }
        default: break
        }
    }

    private func loadFiles(_ job: JobRecord, _ files: JobFiles) async {
        let key = job.id + "|" + job.state.rawValue + "|" + String(job.artifactBytes ?? -1)
        guard lock.withLock({ filesRead != key }) else { return }
        var snapshot = JobFilesSnapshot(jobID: job.id, manifest: nil)
        if job.state.isTerminal {
            do { snapshot.manifest = try await files.manifest(job) } catch { snapshot.error = "\(error)" }
        }
        lock.withLock { filesRead = snapshot.error == nil ? key : nil }
        publish { $0.files = snapshot }
    }

    /// A window of `pageSize` rows around the selection; with a filter, the matches among the newest jobs.
    private func loadList(_ r: DataRequest, queues: [String], state: JobState, stats: [QueueStats]) async throws {
        let key = "\(queues)|\(state)|\(r.filter)"
        if !r.filter.isEmpty {
            // A filter sees the id, the error, the tools, the tenant and the metadata (key=value); tenant:NAME picks one tenant.
            let found = try await queue.find(queue: queues.count == 1 ? queues[0] : nil, state: state,
                                             filter: JobFilter(query: r.filter, regex: true), cursor: nil, limit: filterScanLimit,
                                             scanLimit: filterScanLimit)
            let matches = found.rows, scanned = found.scanned
            let window = Array(matches.dropFirst(max(0, r.selection - r.pageSize / 2)).prefix(r.pageSize))
            let offset = max(0, min(r.selection - r.pageSize / 2, matches.count))
            publish { d in
                d.list = window
                d.listOffset = offset
                d.listTotal = matches.count
                d.filterScanned = scanned
                d.filterMatchIDs = matches.map(\.id)
                d.listKey = key
            }
            return
        }
        // Across queues, rows are each queue's jobs in turn; one queue pages straight from Redis.
        let counts = queues.map { q in stats.first { $0.queue == q }?.count(state) ?? 0 }
        let total = counts.reduce(0, +)
        let start = max(0, min(r.selection - r.pageSize / 2, max(0, total - r.pageSize)))
        var rows: [JobSummary] = []
        var skip = start
        for (q, n) in zip(queues, counts) {
            if rows.count >= r.pageSize { break }
            if skip >= n { skip -= n; continue }
            rows += try await queue.list(queue: q, state: state, offset: skip, limit: r.pageSize - rows.count)
            skip = 0
        }
        publish { d in
            d.list = rows
            d.listOffset = start
            d.listTotal = total
            d.filterScanned = nil
            d.filterMatchIDs = []
            d.listKey = key
        }
    }

    private func loadGroups(_ queues: [String]) async throws {
        var groups: [String: ErrorGroup] = [:]
        for q in queues {
            let failed = try await queue.find(queue: q, state: .failed, filter: JobFilter(), cursor: nil, limit: filterScanLimit,
                                              scanLimit: filterScanLimit)
            for job in failed.rows {
                let sig = ErrorSignature.of(job.lastError)
                groups[sig, default: ErrorGroup(signature: sig, count: 0, example: job.lastError ?? "", ids: [], queues: [])].count += 1
                groups[sig]?.ids.append(job.id)
                groups[sig]?.queues.insert(q)
            }
        }
        let sorted = groups.values.sorted { $0.count != $1.count ? $0.count > $1.count : $0.signature < $1.signature }
        publish { $0.groups = sorted }
    }

    /// Follows what the screen streams: a job's output or transcript, or every active job's output.
    private func followLoop() async {
        var output = OutputFeed()
        var transcript: TranscriptFollower?
        while !Task.isCancelled {
            switch lock.withLock({ request.screen }) {
            case .output(let id):
                transcript = nil
                await followOutput(id, &output)
            case .transcript(let id):
                output = OutputFeed()
                if transcript?.id != id {
                    transcript = TranscriptFollower(id: id)
                    publish { $0.transcript = TranscriptFeed(jobID: id) }
                }
                if var t = transcript {
                    await followTranscript(&t)
                    transcript = t
                }
            default:
                output = OutputFeed()
                transcript = nil
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// Where following one screen's output has got to.
    struct OutputFeed {
        var target: String?? = .none
        /// One job's output, followed as every surface follows it.
        var one: OutputFollower?
        /// Every active job's: where each one's reading has got to.
        var offsets: [String: String] = [:]
    }

    /// One read of output for the output screen: one job's (a blocking read, so lines show as they
    /// come) or every active job's.
    private func followOutput(_ id: String?, _ f: inout OutputFeed) async {
        if f.target != .some(id) {
            f = OutputFeed(target: .some(id), one: id.map { OutputFollower($0, records: queue, stream: outputQueue) })
            publish { $0.output = []; $0.outputKey = id ?? "*" }
        }
        do {
            if var one = f.one {
                let step = try await one.next(wait: 0.25)
                f.one = one
                if case .output(let events) = step {
                    let lines = Self.split(events, jobID: one.id, now: clock())
                    publish { d in OutputLine.append(lines, to: &d.output, cap: 20_000) }
                } else if case .waiting = step {} else {
                    // Finished and read to its end, or no such job: nothing blocks, so wait here.
                    try? await Task.sleep(for: .milliseconds(100))
                }
                return
            }
            let ids = lock.withLock { data.activeJobIDs }
            if ids.isEmpty {
                try? await Task.sleep(for: .milliseconds(100))
                return
            }
            var lines: [OutputLine] = []
            for jobID in ids.prefix(50) {
                let events = try await outputQueue.readOutput(id: jobID, after: f.offsets[jobID] ?? "", limit: 1000, wait: 0)
                if let last = events.last { f.offsets[jobID] = last.offset }
                lines += Self.split(events, jobID: jobID, now: clock())
            }
            if !lines.isEmpty {
                publish { d in OutputLine.append(lines, to: &d.output, cap: 20_000) }
            } else {
                // Nothing new, and these reads do not block: do not spin on the store.
                try? await Task.sleep(for: .milliseconds(50))
            }
        } catch {
            try? await Task.sleep(for: .milliseconds(500))
        }
    }

    /// Where following a transcript has got to: the stream's offset, once its tail was found.
    struct TranscriptFollower {
        var id: String
        var offset: String?
    }

    /// One step of following a transcript: the stored entries past those held, then the job's
    /// output stream (a blocking read) for the words of the turn being written and the end of each turn.
    private func followTranscript(_ f: inout TranscriptFollower) async {
        let id = f.id
        do {
            let from = lock.withLock { data.transcript.storedRead }
            let page = try await outputQueue.transcript(id: id, from: from)
            if page.read > 0 { publish { $0.transcript.stored(page.entries, read: page.read) } }
            if page.read >= 1_000 { return }
            let events: [OutputEvent]
            let started = ContinuousClock.now
            if let offset = f.offset {
                events = try await outputQueue.readOutput(id: id, after: offset, limit: 1000, wait: 0.1)
            } else {
                // Start at the newest typed event: what follows it is the turn being written now.
                let tail = try await outputQueue.lastOutput(id: id, count: 200)
                let start = tail.lastIndex { $0.stream == .agent } ?? 0
                events = Array(tail.dropFirst(start))
                f.offset = tail.last?.offset ?? ""
            }
            if let last = events.last { f.offset = last.offset }
            if events.isEmpty && ContinuousClock.now - started < .milliseconds(20) {
                // No such job (yet), or its stream is gone: the read did not block, so wait here.
                try? await Task.sleep(for: .milliseconds(100))
            }
            if !events.isEmpty {
                let now = clock()
                publish { $0.transcript.streamed(events, now: now) }
                // A turn that ended in the stream is stored a moment later: read it now, not at the next wait.
                if events.contains(where: { $0.stream == .agent }) {
                    let again = lock.withLock { data.transcript.storedRead }
                    let more = try await outputQueue.transcript(id: id, from: again)
                    if more.read > 0 { publish { $0.transcript.stored(more.entries, read: more.read) } }
                }
            }
        } catch {
            try? await Task.sleep(for: .milliseconds(500))
        }
    }

    /// Chunks of output into lines, an agent's typed events as their one-line form. A piece that does
    /// not end its line stays open, and the next piece of the same stream joins it.
    public static func split(_ events: [OutputEvent], jobID: String, now: Date) -> [OutputLine] {
        var out: [OutputLine] = []
        for e in events {
            var text = e.shown
            if text.isEmpty { continue }
            let ended = text.hasSuffix("\n")
            if ended { text.removeLast() }
            let pieces = text.split(separator: "\n", omittingEmptySubsequences: false)
            OutputLine.append(pieces.enumerated().map { i, line in
                OutputLine(jobID: jobID, step: e.step, stream: e.stream, text: String(line), at: now, open: i == pieces.count - 1 && !ended)
            }, to: &out)
        }
        return out
    }
}

extension ConsoleData {
    /// Active jobs to tail: those the list shows, else those workers report holding.
    var activeJobIDs: [String] { workers.flatMap(\.currentJobs) }
}
