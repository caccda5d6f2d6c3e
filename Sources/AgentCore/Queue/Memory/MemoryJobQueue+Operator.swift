import Foundation

extension MemoryJobQueue: QueueOperator {
    public func enqueue(each specs: [JobSpec]) async throws -> [Enqueued] {
        let nowDate = clock()
        return withState { s in
            let now = nowMs
            return specs.map { spec in
                let id = spec.id ?? JobID.make(now: nowDate)
                s.names.insert(spec.queue)
                if s[queue: spec.queue].jobs[id] != nil { return Enqueued(id: id, created: false) }
                let json = MemoryJob.storedSpec(spec)
                if let runAt = spec.runAt.map({ ($0 * 1000).rounded(.down) }), runAt > now {
                    var job = MemoryJob(spec: json, state: .scheduled, createdAt: now)
                    job.runAt = runAt
                    s[queue: spec.queue].jobs[id] = job
                    s[queue: spec.queue].sets[.scheduled, default: [:]][id] = runAt
                } else {
                    s[queue: spec.queue].jobs[id] = MemoryJob(spec: json, state: .pending, createdAt: now)
                    s[queue: spec.queue].pending.insert(id, at: 0)
                }
                return Enqueued(id: id, created: true)
            }
        }
    }

    public func enqueue(_ spec: JobSpec, journal: [TranscriptEntry]) async throws -> Enqueued {
        let nowDate = clock()
        return withState { s in
            let id = spec.id ?? JobID.make(now: nowDate)
            s.names.insert(spec.queue)
            if s[queue: spec.queue].jobs[id] != nil { return Enqueued(id: id, created: false) }
            var job = MemoryJob(spec: MemoryJob.storedSpec(spec), state: .pending, createdAt: nowMs)
            job.transcript = journal
            job.transcriptStored = journal.reduce(0) { $0 + $1.json().utf8.count }
            s[queue: spec.queue].jobs[id] = job
            s[queue: spec.queue].pending.insert(id, at: 0)
            return Enqueued(id: id, created: true)
        }
    }

    public func requeue(id: String) async throws -> RequeueOutcome {
        withState { s in
            guard let q = s.locate(id) else { return .notFound }
            return requeue(&s, queue: q, id: id, note: "")
        }
    }

    public func requeue(id: String, keeping steps: [StepRecord]) async throws -> RequeueOutcome {
        withState { s in
            guard let q = s.locate(id) else { return .notFound }
            let kept = steps.filter { $0.keptFrom != nil }.count
            let outcome = requeue(&s, queue: q, id: id, note: " from step \(kept + 1), keeping \(kept)")
            if outcome == .requeued { s[queue: q].jobs[id]?.steps = steps }
            return outcome
        }
    }

    private func requeue(_ s: inout MemoryQueueState, queue q: String, id: String, note: String) -> RequeueOutcome {
        guard var job = s[queue: q].jobs[id] else { return .notFound }
        if job.state == .pending || job.state == .active || job.state == .awaiting { return .notRequeueable(job.state) }
        let now = nowMs
        let was = job.state
        s[queue: q].removeEverywhere(id)
        job.state = .pending
        job.attempts = 0
        job.enqueuedAt = now
        job.updatedAt = now
        job.finishedAt = nil
        job.runAt = nil
        job.cancelRequested = false
        job.steps = []
        job.log(JobEvent(at: now, event: "requeued", note: "from \(was.rawValue)\(note)"))
        s[queue: q].jobs[id] = job
        s[queue: q].pending.insert(id, at: 0)
        return .requeued
    }

    public func requeueFailed(queue: String?, filter: JobFilter) async throws -> Int {
        let note = " (bulk requeue" + (filter.text.map { " matching \"\($0)\"" } ?? "") + (filter.tenant.map { " of tenant \($0)" } ?? "") + ")"
        return try withState { s in
            var n = 0
            for (q, ids) in try s.matchingFailed(queue: queue, filter: filter) {
                for id in ids where requeue(&s, queue: q, id: id, note: note) == .requeued { n += 1 }
            }
            return n
        }
    }

    public func cancel(id: String) async throws -> CancelOutcome {
        withState { s in
            guard let q = s.locate(id), var job = s[queue: q].jobs[id] else { return .notFound }
            let now = nowMs
            switch job.state {
            case .active:
                job.cancelRequested = true
                job.log(JobEvent(at: now, event: "cancel_requested"))
                s[queue: q].jobs[id] = job
                return .requested
            case .pending, .retrying, .scheduled, .awaiting:
                let was = job.state
                s[queue: q].removeEverywhere(id)
                job.clearApproval()
                job.state = .cancelled
                job.finishedAt = now
                job.updatedAt = now
                job.log(JobEvent(at: now, event: "cancelled", note: "was \(was.rawValue)"))
                s[queue: q].jobs[id] = job
                s[queue: q].sets[.cancelled, default: [:]][id] = now
                return .cancelled
            case .succeeded, .failed, .cancelled:
                return .alreadyFinished(job.state)
            }
        }
    }

    public func delete(id: String) async throws -> DeleteOutcome {
        withState { s in
            guard let q = s.locate(id), let job = s[queue: q].jobs[id] else { return .notFound }
            if job.state == .active { return .active }
            s[queue: q].removeEverywhere(id)
            s[queue: q].forget(id)
            return .deleted
        }
    }

    public func setPaused(queue: String, _ paused: Bool) async throws {
        withState { s in
            s.names.insert(queue)
            s[queue: queue].paused = paused
        }
    }
}
