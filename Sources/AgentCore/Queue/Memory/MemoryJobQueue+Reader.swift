import Foundation

extension MemoryJobQueue: QueueReader {
    public func queues() async throws -> [String] { withState { $0.names.sorted() } }

    public func stats(queue q: String) async throws -> QueueStats {
        withState { s in
            let now = nowMs
            let data = s[queue: q]
            func count(_ state: JobState) -> Int { data.sets[state]?.count ?? 0 }
            let minute = Int(now / 60_000)
            var stats = QueueStats(
                queue: q, paused: data.paused, pending: data.pending.count, active: data.active.count, scheduled: count(.scheduled),
                retrying: count(.retrying), failed: count(.failed), succeeded: count(.succeeded), cancelled: count(.cancelled),
                orphaned: data.active.filter { (data.jobs[$0]?.leaseUntil ?? .infinity) <= now }.count,
                processedPerMinute: (0..<60).map { data.processed[minute - 59 + $0] ?? 0 },
                failedPerMinute: (0..<60).map { data.failedCount[minute - 59 + $0] ?? 0 })
            stats.parked = count(.awaiting)
            stats.awaiting = data.active.filter { data.jobs[$0]?.waitingApproval != nil }.count + stats.parked
            if let oldest = data.pending.last.flatMap({ data.jobs[$0] }) {
                stats.oldestPendingAge = max(0, (now - (oldest.enqueuedAt ?? oldest.createdAt)) / 1000)
            }
            return stats
        }
    }

    public func list(queue q: String, state: JobState, offset: Int, limit: Int) async throws -> [JobSummary] {
        guard limit > 0, offset >= 0 else { return [] }
        return withState { s in
            let data = s[queue: q]
            let ids: [String] = switch state {
            case .pending: data.pending
            case .active: data.active
            default: data.descending(state)
            }
            guard offset < ids.count else { return [] }
            return ids[offset..<min(ids.count, offset + limit)].compactMap { id in data.jobs[id].map { summary(id, q, $0) } }
        }
    }

    private func summary(_ id: String, _ q: String, _ job: MemoryJob) -> JobSummary {
        let digest = SpecDigest(json: job.spec)
        func date(_ ms: Double?) -> Date? { ms.map { Date(timeIntervalSince1970: $0 / 1000) } }
        var row = JobSummary(id: id, queue: q, state: job.state, tools: digest.tools.joined(separator: ","), attempts: job.attempts,
                             maxAttempts: digest.maxAttempts ?? 0, worker: job.worker, lastError: job.error,
                             createdAt: date(job.createdAt), updatedAt: date(job.updatedAt ?? job.createdAt), tenant: digest.tenant)
        row.claimedAt = date(job.claimedAt)
        row.leaseUntil = date(job.leaseUntil)
        row.finishedAt = date(job.finishedAt)
        row.runAt = date(job.runAt)
        row.orphaned = job.orphaned
        row.metadata = digest.metadata.map { "\($0.key)=\($0.value.displayText)" }.sorted()
        row.task = digest.task
        row.agent = job.agent
        if !job.steps.isEmpty {
            let current = job.steps.lastIndex { $0.status != .pending && $0.status != .skipped } ?? 0
            row.step = (current + 1, job.steps.count)
        }
        return row
    }

    public func find(queue: String?, state: JobState, filter: JobFilter, cursor: String?, limit: Int, scanLimit: Int) async throws -> JobPage {
        try await walkFind(queue: queue, state: state, filter: filter, cursor: cursor, limit: limit, scanLimit: scanLimit)
    }

    public func countFailed(queue: String?, filter: JobFilter) async throws -> Int {
        try withState { s in try s.matchingFailed(queue: queue, filter: filter).reduce(0) { $0 + $1.ids.count } }
    }

    public func job(id: String) async throws -> JobRecord? {
        withState { s in
            guard let q = s.locate(id), let job = s[queue: q].jobs[id] else { return nil }
            func date(_ ms: Double?) -> Date? { ms.map { Date(timeIntervalSince1970: $0 / 1000) } }
            var record = JobRecord(
                id: id, queue: q, state: job.state, specJSON: job.spec, attempts: job.attempts,
                maxAttempts: SpecDigest(json: job.spec).maxAttempts ?? 0, orphaned: job.orphaned, createdAt: date(job.createdAt),
                updatedAt: date(job.updatedAt ?? job.createdAt), finishedAt: date(job.finishedAt), runAt: date(job.runAt),
                leaseUntil: date(job.leaseUntil), worker: job.worker, lastError: job.error,
                result: job.result.flatMap { $0.isEmpty ? nil : $0 }, cancelRequested: job.cancelRequested, history: job.history)
            record.steps = job.steps
            record.sandbox = job.sandbox
            record.artifactBytes = job.artifactBytes
            record.sandboxSeconds = job.usage.isEmpty ? nil : job.usage.values.reduce(0) { $0 + $1.seconds }
            record.costUSD = job.usage.isEmpty ? nil : job.usage.values.reduce(0) { $0 + $1.dollars }
            record.agent = job.agent
            record.approval = job.waitingApproval
            return record
        }
    }

    public func readOutput(id: String, after offset: String, limit: Int, wait: Double) async throws -> [OutputEvent] {
        let deadline = ContinuousClock.now + .milliseconds(Int(max(0, wait) * 1000))
        while true {
            let events = withState { s -> [OutputEvent]? in
                guard let q = s.locate(id), let output = s[queue: q].jobs[id]?.output else { return nil }
                let start = offset.isEmpty ? 0 : (output.firstIndex { Self.order($0.offset) > Self.order(offset) } ?? output.count)
                return Array(output[start...].prefix(max(0, limit)))
            }
            guard let events else { return [] }
            if !events.isEmpty || ContinuousClock.now >= deadline { return events }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    public func transcript(id: String) async throws -> [TranscriptEntry] {
        withState { s in s.locate(id).flatMap { s[queue: $0].jobs[id]?.transcript } ?? [] }
    }

    public func transcript(id: String, from: Int, limit: Int) async throws -> (entries: [TranscriptEntry], read: Int) {
        withState { s in
            guard let all = s.locate(id).flatMap({ s[queue: $0].jobs[id]?.transcript }), from >= 0, from < all.count, limit > 0 else {
                return ([], 0)
            }
            let page = Array(all[from...].prefix(limit))
            return (page, page.count)
        }
    }

    public func stepRecords(id: String) async throws -> [StepRecord] {
        withState { s in s.locate(id).flatMap { s[queue: $0].jobs[id]?.steps } ?? [] }
    }

    public func lastOutput(id: String, count: Int) async throws -> [OutputEvent] {
        withState { s in Array((s.locate(id).flatMap { s[queue: $0].jobs[id]?.output } ?? []).suffix(max(0, count))) }
    }

    public func metrics(queue q: String) async throws -> QueueMetrics { withState { $0[queue: q].metrics } }

    public func ping() async throws {}

    public var address: String { "memory" }

    /// One store, in this process: there is no connection to share.
    public func withNewConnection(label: String) -> MemoryJobQueue { self }

    /// A stream offset ("ms-seq") as a pair to compare; garbage sorts first.
    static func order(_ offset: String) -> (Int, Int) {
        let parts = offset.split(separator: "-")
        guard parts.count == 2, let ms = Int(parts[0]), let seq = Int(parts[1]) else { return (-1, -1) }
        return (ms, seq)
    }

    public func workers() async throws -> [WorkerInfo] {
        withState { s in
            let now = Date().timeIntervalSince1970 * 1000
            s.workers = s.workers.filter { $0.value.expiresAt > now }
            return s.workers.values.map(\.info).sorted { $0.heartbeatAt != $1.heartbeatAt ? $0.heartbeatAt < $1.heartbeatAt : $0.id < $1.id }
        }
    }
}
