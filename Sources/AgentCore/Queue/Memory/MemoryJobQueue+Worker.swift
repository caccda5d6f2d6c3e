import Foundation

extension MemoryJobQueue: WorkerQueue {
    public func claim(queues: [String], worker: String, lease: Double, wait: Double) async throws -> ClaimedJob? {
        let deadline = ContinuousClock.now + .milliseconds(Int(max(0, wait) * 1000))
        while true {
            for q in queues {
                if let job = withState({ claimNext(&$0, queue: q, worker: worker, lease: lease) }) { return job }
            }
            if ContinuousClock.now >= deadline { return nil }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    public func claim(id: String, worker: String, lease: Double) async throws -> ClaimedJob? {
        withState { s in
            guard let q = s.locate(id), s[queue: q].jobs[id]?.state == .pending,
                  let at = s[queue: q].pending.firstIndex(of: id) else { return nil }
            s[queue: q].pending.remove(at: at)
            return activate(&s, queue: q, id: id, worker: worker, lease: lease)
        }
    }

    public func enqueueClaimed(_ spec: JobSpec, worker: String, lease: Double) async throws -> ClaimedJob? {
        let nowDate = clock()
        return withState { s in
            let id = spec.id ?? JobID.make(now: nowDate)
            s.names.insert(spec.queue)
            if s[queue: spec.queue].jobs[id] != nil { return nil }
            s[queue: spec.queue].jobs[id] = MemoryJob(spec: MemoryJob.storedSpec(spec), state: .pending, createdAt: nowMs)
            return activate(&s, queue: spec.queue, id: id, worker: worker, lease: lease)
        }
    }

    private func claimNext(_ s: inout MemoryQueueState, queue q: String, worker: String, lease: Double) -> ClaimedJob? {
        guard !s[queue: q].paused, let id = s[queue: q].pending.popLast() else { return nil }
        return activate(&s, queue: q, id: id, worker: worker, lease: lease)
    }

    private func activate(_ s: inout MemoryQueueState, queue q: String, id: String, worker: String, lease: Double) -> ClaimedJob? {
        guard var job = s[queue: q].jobs[id] else { return nil }
        let now = nowMs
        let previous = job.history.last
        job.claims += 1
        job.attempts += 1
        job.state = .active
        job.worker = worker
        job.claimedAt = now
        job.updatedAt = now
        job.leaseUntil = now + (lease * 1000).rounded(.down)
        job.log(JobEvent(at: now, event: "claimed", attempt: job.attempts, worker: worker))
        s[queue: q].jobs[id] = job
        s[queue: q].active.insert(id, at: 0)
        return ClaimedJob(id: id, queue: q, specJSON: job.spec, claim: job.claims, attempt: job.attempts,
                          enqueuedAt: Date(timeIntervalSince1970: (job.enqueuedAt ?? job.createdAt) / 1000), previous: previous,
                          sandbox: job.sandbox)
    }

    public func renew(_ tokens: [ClaimToken], worker: String, lease: Double) async throws -> [ClaimToken: LeaseStatus] {
        let until = nowMs + (lease * 1000).rounded(.down)
        return withState { s in
            var out: [ClaimToken: LeaseStatus] = [:]
            for t in tokens {
                guard var job = s[queue: t.queue].jobs[t.id], job.state == .active, job.claims == t.claim else { out[t] = .lost; continue }
                job.leaseUntil = until
                out[t] = job.cancelRequested ? .cancelRequested : .ok
                s[queue: t.queue].jobs[t.id] = job
            }
            return out
        }
    }

    /// The job when the token's claim is current; otherwise why not, noted in the job's history.
    private func current(_ s: inout MemoryQueueState, _ token: ClaimToken, report: String, worker: String = "",
                         error: String? = nil) -> Current {
        guard var job = s[queue: token.queue].jobs[token.id] else { return .failure(.missing) }
        if job.state == .active && job.claims == token.claim { return .success(job) }
        let sameClaim = job.claims == token.claim
        let outcome: AckOutcome = report == "success" ? (job.state == .succeeded && sameClaim ? .duplicate : .stale)
            : (sameClaim ? .duplicate : .stale)
        job.log(JobEvent(at: nowMs, event: "ack_ignored", worker: worker, error: error,
                         note: "\(outcome.rawValue) \(report) report for claim \(token.claim) while \(job.state.rawValue) (claim \(job.claims))"))
        s[queue: token.queue].jobs[token.id] = job
        return .failure(outcome)
    }

    enum Current {
        case success(MemoryJob)
        case failure(AckOutcome)
    }

    public func complete(_ token: ClaimToken, result: String?, next: ClaimRequest?) async throws -> (AckOutcome, ClaimedJob?) {
        withState { s in
            let now = nowMs
            var outcome = AckOutcome.succeeded
            switch current(&s, token, report: "success", worker: next?.worker ?? "") {
            case .failure(let why): outcome = why
            case .success(var job):
                s[queue: token.queue].active.removeAll { $0 == token.id }
                job.leaveActive()
                job.state = .succeeded
                job.result = result ?? ""
                job.finishedAt = now
                job.updatedAt = now
                job.log(JobEvent(at: now, event: "succeeded", worker: next?.worker ?? ""))
                s[queue: token.queue].jobs[token.id] = job
                s[queue: token.queue].sets[.succeeded, default: [:]][token.id] = now
                s[queue: token.queue].bump(minute: Int(now / 60_000), failed: false)
                s[queue: token.queue].observe(.succeeded, job, now: now)
            }
            let claimed = next.flatMap { claimNext(&s, queue: token.queue, worker: $0.worker, lease: $0.lease) }
            return (outcome, claimed)
        }
    }

    public func fail(_ token: ClaimToken, error: String, kind: FailureKind) async throws -> AckOutcome {
        let retryAt = nowMs + (retry.delay(afterAttempt: token.attempt) * 1000).rounded(.down)
        let error = String(error.prefix(4000))
        return withState { s in
            let now = nowMs
            var job: MemoryJob
            switch current(&s, token, report: "failure", error: error) {
            case .failure(let why): return why
            case .success(let found): job = found
            }
            s[queue: token.queue].active.removeAll { $0 == token.id }
            job.leaveActive()
            job.leaseUntil = nil
            job.error = error
            job.updatedAt = now
            let minute = Int(now / 60_000)
            let outcome: AckOutcome
            if kind == .cancelled {
                job.state = .cancelled
                job.finishedAt = now
                job.cancelRequested = false
                s[queue: token.queue].sets[.cancelled, default: [:]][token.id] = now
                s[queue: token.queue].processed[minute, default: 0] += 1
                job.log(JobEvent(at: now, event: "cancelled", attempt: job.attempts, worker: "", error: error))
                s[queue: token.queue].observe(.cancelled, job, now: now)
                outcome = .cancelled
            } else if kind == .retryable && job.attempts < (SpecDigest(json: job.spec).maxAttempts ?? 1) {
                job.state = .retrying
                job.runAt = retryAt
                s[queue: token.queue].sets[.retrying, default: [:]][token.id] = retryAt
                s[queue: token.queue].bump(minute: minute, failed: true)
                job.log(JobEvent(at: now, event: "retry_scheduled", attempt: job.attempts, worker: "", error: error))
                s[queue: token.queue].observe(.retried, job, now: now)
                outcome = .retrying
            } else {
                job.state = .failed
                job.finishedAt = now
                s[queue: token.queue].sets[.failed, default: [:]][token.id] = now
                s[queue: token.queue].bump(minute: minute, failed: true)
                job.log(JobEvent(at: now, event: "failed", attempt: job.attempts, worker: "", error: error,
                                 note: kind == .permanent ? "not retryable" : "attempts used up"))
                s[queue: token.queue].observe(.failed, job, now: now)
                outcome = .failed
            }
            s[queue: token.queue].jobs[token.id] = job
            return outcome
        }
    }

    public func release(_ token: ClaimToken, reason: String, until: Double?) async throws -> Bool {
        withState { s in
            guard var job = s[queue: token.queue].jobs[token.id], job.state == .active, job.claims == token.claim else { return false }
            let now = nowMs
            s[queue: token.queue].active.removeAll { $0 == token.id }
            job.leaveActive()
            job.state = .pending
            job.attempts = max(0, job.attempts - 1)
            job.enqueuedAt = now
            job.updatedAt = now
            job.leaseUntil = nil
            if let until {
                let runAt = (until * 1000).rounded(.down)
                job.state = .scheduled
                job.runAt = runAt
                job.log(JobEvent(at: now, event: "snoozed", note: reason))
                s[queue: token.queue].jobs[token.id] = job
                s[queue: token.queue].sets[.scheduled, default: [:]][token.id] = runAt
                return true
            }
            job.log(JobEvent(at: now, event: "released", note: reason))
            s[queue: token.queue].jobs[token.id] = job
            s[queue: token.queue].pending.append(token.id)
            return true
        }
    }

    public func record(_ token: ClaimToken, steps: [StepRecord], sandbox: String?, usage: (seconds: Double, dollars: Double)?) async throws {
        withState { s in
            guard var job = s[queue: token.queue].jobs[token.id], job.claims == token.claim else { return }
            job.steps = steps
            if let sandbox { job.sandbox = sandbox }
            // Stored as Redis stores it: seconds to the millisecond, dollars to the millionth.
            if let usage { job.usage[token.claim] = ((usage.seconds * 1000).rounded() / 1000, (usage.dollars * 1e6).rounded() / 1e6) }
            s[queue: token.queue].jobs[token.id] = job
        }
    }

    public func appendOutput(_ token: ClaimToken, events: [OutputEvent]) async throws -> OutputAppend {
        if events.isEmpty { return OutputAppend(.stored) }
        return withState { s in
            guard var job = s[queue: token.queue].jobs[token.id], job.claims == token.claim else { return OutputAppend(.stale) }
            let now = Int(nowMs)
            var dropped = 0
            func add(_ step: Int, _ stream: OutputEvent.Stream, _ text: String) {
                s.outputSequence += 1
                job.output.append(OutputEvent(offset: "\(now)-\(s.outputSequence)", step: step, stream: stream, text: text))
            }
            for e in events {
                let bytes = e.text.utf8.count
                if e.stream == .system {
                    add(e.step, .system, e.text)
                } else if !job.outputFull && job.outputStored + bytes <= outputMaxBytes {
                    add(e.step, e.stream, e.text)
                    job.outputStored += bytes
                } else {
                    let room = job.outputFull ? 0 : outputMaxBytes - job.outputStored
                    // A typed event is kept whole or not at all: half of one is not one.
                    let kept = e.stream == .agent ? "" : MemoryJobQueue.prefix(of: e.text, bytes: room)
                    if !kept.isEmpty { add(e.step, e.stream, kept) }
                    job.outputStored += kept.utf8.count
                    dropped += bytes - kept.utf8.count
                    if !job.outputFull {
                        add(e.step, .system, "output past \(outputMaxBytes) bytes is not kept")
                        job.outputFull = true
                    }
                }
            }
            if job.output.count > outputMaxEntries { job.output.removeFirst(job.output.count - outputMaxEntries) }
            job.outputDropped += dropped
            s[queue: token.queue].jobs[token.id] = job
            return job.outputFull ? OutputAppend(.full, droppedBytes: dropped) : OutputAppend(.stored)
        }
    }

    public func appendTranscript(_ token: ClaimToken, model: String, entries: [TranscriptEntry]) async throws -> OutputAppend {
        withState { s in
            guard var job = s[queue: token.queue].jobs[token.id], job.claims == token.claim else { return OutputAppend(.stale) }
            var dropped = 0
            var usage = job.agent ?? AgentUsage(model: model)
            usage.model = model
            for e in entries {
                usage.add(e)
                if e.kind == .modelCall {
                    // As the script stores them: whole millionths of a dollar, whole milliseconds.
                    func whole(_ v: Double?, _ scale: Double) -> Int { Int(min(max(0, ((v ?? 0) * scale).rounded()), 1e12)) }
                    s[queue: token.queue].metrics.models[model, default: ModelMetrics()].observe(
                        inputTokens: max(0, e.inputTokens ?? 0), outputTokens: max(0, e.outputTokens ?? 0),
                        microdollars: whole(e.dollars, 1e6), ms: whole(e.seconds, 1000))
                }
                let bytes = e.json().utf8.count
                if !job.transcriptFull && job.transcriptStored + bytes <= transcriptMaxBytes {
                    job.transcript.append(e)
                    job.transcriptStored += bytes
                } else {
                    dropped += bytes
                    if !job.transcriptFull {
                        job.transcript.append(TranscriptEntry(.note, "transcript past \(transcriptMaxBytes) bytes is not kept"))
                        job.transcriptFull = true
                    }
                }
            }
            job.agent = usage
            s[queue: token.queue].jobs[token.id] = job
            return job.transcriptFull ? OutputAppend(.full, droppedBytes: dropped) : OutputAppend(.stored)
        }
    }

    /// The longest prefix of `text` within `bytes` bytes that ends on a character boundary.
    static func prefix(of text: String, bytes: Int) -> String {
        var utf8 = Array(text.utf8.prefix(max(0, bytes)))
        while let last = utf8.last, String(validating: utf8, as: UTF8.self) == nil, last >= 0x80 { utf8.removeLast() }
        return String(decoding: utf8, as: UTF8.self)
    }

    public func reapExpiredLeases(queue q: String) async throws -> Int {
        withState { s in
            let now = nowMs
            var n = 0
            // The earliest lease first, ties by id: the order the lease set gives Redis.
            let data = s[queue: q]
            var leases: [(id: String, until: Double)] = []
            for id in data.active {
                if let until = data.jobs[id]?.leaseUntil, until <= now { leases.append((id, until)) }
            }
            let expired = leases.sorted { a, b in a.until != b.until ? a.until < b.until : a.id < b.id }.map(\.id)
            for id in expired {
                guard var job = s[queue: q].jobs[id] else { continue }
                n += 1
                s[queue: q].active.removeAll { $0 == id }
                job.leaveActive()
                job.orphaned += 1
                job.leaseUntil = nil
                if job.orphaned >= maxOrphans {
                    let why = "lease expired \(job.orphaned) times: its worker stopped renewing it (killed or stuck)"
                    job.state = .failed
                    job.error = why
                    job.finishedAt = now
                    job.updatedAt = now
                    s[queue: q].sets[.failed, default: [:]][id] = now
                    s[queue: q].observe(.failed, job, now: now)
                    job.log(JobEvent(at: now, event: "failed", attempt: job.attempts, worker: job.worker, error: why))
                } else {
                    job.state = .pending
                    job.enqueuedAt = now
                    job.updatedAt = now
                    s[queue: q].pending.append(id)
                    job.log(JobEvent(at: now, event: "orphaned", attempt: job.attempts, worker: job.worker,
                                     note: "lease expired; returned to pending"))
                }
                s[queue: q].jobs[id] = job
            }
            return n
        }
    }

    public func promoteDue(queue q: String) async throws -> Int {
        withState { s in
            let now = nowMs
            var n = 0
            for state in [JobState.retrying, .scheduled] {
                // Due first, ties by id: ZRANGEBYSCORE's order.
                let due = (s[queue: q].sets[state] ?? [:]).filter { $0.value <= now }
                    .sorted { $0.value != $1.value ? $0.value < $1.value : $0.key < $1.key }.map(\.key)
                for id in due {
                    s[queue: q].sets[state]?[id] = nil
                    guard var job = s[queue: q].jobs[id] else { continue }
                    job.state = .pending
                    job.enqueuedAt = now
                    job.updatedAt = now
                    job.log(JobEvent(at: now, event: "promoted"))
                    s[queue: q].jobs[id] = job
                    s[queue: q].pending.insert(id, at: 0)
                    n += 1
                }
            }
            // Parked calls no one decided in time: denied by the clock, and the job goes on.
            let late = (s[queue: q].sets[.awaiting] ?? [:]).filter { $0.value <= now }
                .sorted { $0.value != $1.value ? $0.value < $1.value : $0.key < $1.key }.map(\.key)
            for id in late {
                guard var job = s[queue: q].jobs[id], job.state == .awaiting else { s[queue: q].sets[.awaiting]?[id] = nil; continue }
                job.approvalDecision = job.approvalTimeout
                job.log(JobEvent(at: now, event: "denied", note: "no decision in time", by: "timeout"))
                s.wake(&job, id: id, queue: q, now: now)
                s[queue: q].jobs[id] = job
                n += 1
            }
            return n
        }
    }

    public func recordArtifacts(_ token: ClaimToken, root: String, held: Int?, uploaded: Int) async throws {
        withState { s in
            guard var job = s[queue: token.queue].jobs[token.id], job.claims == token.claim else { return }
            job.artifacts = root
            s[queue: token.queue].metrics.artifactUploaded += max(0, uploaded)
            if let held {
                s[queue: token.queue].metrics.artifactStored += held - (job.artifactBytes ?? 0)
                job.artifactBytes = held
            }
            s[queue: token.queue].jobs[token.id] = job
        }
    }

    public func takeGoneArtifacts(queue: String, limit: Int) async throws -> [String] {
        withState { s in
            let taken = Array(s[queue: queue].goneArtifacts.suffix(max(1, limit)).reversed())
            s[queue: queue].goneArtifacts.removeLast(taken.count)
            return taken
        }
    }

    public func giveBackGoneArtifacts(queue: String, _ roots: [String]) async throws {
        withState { s in s[queue: queue].goneArtifacts.insert(contentsOf: roots, at: 0) }
    }

    public func trim(queue q: String) async throws -> Int {
        withState { s in
            let now = nowMs
            var n = 0
            func drop(_ state: JobState, olderThan seconds: Double) {
                for (id, at) in s[queue: q].sets[state] ?? [:] where at <= now - seconds * 1000 {
                    s[queue: q].sets[state]?[id] = nil
                    s[queue: q].forget(id)
                    n += 1
                }
            }
            drop(.succeeded, olderThan: retention.succeededSeconds)
            drop(.cancelled, olderThan: retention.succeededSeconds)
            drop(.failed, olderThan: retention.failedSeconds)
            let over = (s[queue: q].sets[.failed]?.count ?? 0) - retention.failedMaxCount
            if over > 0 {
                for id in s[queue: q].descending(.failed).suffix(over) {
                    s[queue: q].sets[.failed]?[id] = nil
                    s[queue: q].forget(id)
                    n += 1
                }
            }
            return n
        }
    }

    public func heartbeat(_ worker: WorkerInfo, ttl: Double) async throws {
        let expires = Date().timeIntervalSince1970 * 1000 + ttl * 1000  // real time, as Redis expires a key
        withState { $0.workers[worker.id] = (worker, expires) }
    }

    public func removeWorker(id: String) async throws {
        withState { _ = $0.workers.removeValue(forKey: id) }
    }
}
