import Foundation

/// Tool calls that wait for a person, as `RedisJobQueue` keeps them.
extension MemoryJobQueue {
    public func askApproval(_ token: ClaimToken, request: ApprovalRequest) async throws -> Bool {
        withState { s in
            guard var job = s[queue: token.queue].jobs[token.id], job.state == .active, job.claims == token.claim else { return false }
            job.approval = request
            job.approvalDecision = nil
            job.log(JobEvent(at: nowMs, event: "approval_asked",
                             note: "step \(request.step + 1) \(request.summary.prefix(300)) waits: \(request.reason)"))
            s[queue: token.queue].jobs[token.id] = job
            return true
        }
    }

    public func park(_ token: ClaimToken, request: ApprovalRequest) async throws -> Bool {
        withState { s in
            // A cancel asked for meanwhile is not parked away: the attempt waits in its worker, which stops it.
            guard var job = s[queue: token.queue].jobs[token.id], job.state == .active, job.claims == token.claim,
                  !job.cancelRequested else { return false }
            let now = nowMs
            let wakeAt = now + (min(request.timeoutSeconds, 86_400) * 1000).rounded(.down)
            s[queue: token.queue].active.removeAll { $0 == token.id }
            job.state = .awaiting
            job.approval = request
            job.approvalDecision = nil
            job.approvalTimeout = ApprovalDecision.timedOut(after: request.timeoutSeconds, at: wakeAt / 1000)
            job.leaseUntil = nil
            job.worker = nil
            job.attempts = max(0, job.attempts - 1)
            job.updatedAt = now
            job.log(JobEvent(at: now, event: "parked", note: "step \(request.step + 1) \(request.summary.prefix(300)) waits: \(request.reason)"))
            s[queue: token.queue].jobs[token.id] = job
            s[queue: token.queue].sets[.awaiting, default: [:]][token.id] = wakeAt
            return true
        }
    }

    public func takeDecision(_ token: ClaimToken) async throws -> (request: ApprovalRequest, decision: ApprovalDecision)? {
        withState { s in
            guard var job = s[queue: token.queue].jobs[token.id], job.state == .active, job.claims == token.claim,
                  let request = job.approval, let decision = job.approvalDecision else { return nil }
            job.clearApproval()
            s[queue: token.queue].jobs[token.id] = job
            return (request, decision)
        }
    }

    public func settleApproval(_ token: ClaimToken, requestID: String, timedOut: ApprovalDecision?) async throws -> ApprovalSettlement {
        withState { s in
            guard var job = s[queue: token.queue].jobs[token.id], job.state == .active, job.claims == token.claim,
                  job.approval?.id == requestID else { return .stale }
            if let decision = job.approvalDecision {
                job.clearApproval()
                s[queue: token.queue].jobs[token.id] = job
                return .decided(decision)
            }
            guard let timedOut else { return .waiting }
            job.clearApproval()
            job.log(JobEvent(at: nowMs, event: "denied", note: "no decision in time", by: "timeout"))
            s[queue: token.queue].jobs[token.id] = job
            return .decided(timedOut)
        }
    }

    public func decideApproval(id: String, call: String?, decision: ApprovalDecision) async throws -> ApprovalOutcome {
        withState { s in
            guard let q = s.locate(id), var job = s[queue: q].jobs[id] else { return .missing }
            guard job.state == .active || job.state == .awaiting, let request = job.approval else { return .nothingWaiting }
            if job.approvalDecision != nil { return .alreadyDecided }
            if let call, call != request.id { return .changed }
            let now = nowMs
            job.approvalDecision = decision
            job.log(JobEvent(at: now, event: decision.approved ? "approved" : "denied", note: decision.reason, by: decision.by))
            if job.state == .awaiting { s.wake(&job, id: id, queue: q, now: now) }
            s[queue: q].jobs[id] = job
            return decision.approved ? .approved : .denied
        }
    }

    public func awaiting(queue q: String, offset: Int, limit: Int) async throws -> [AwaitingApproval] {
        guard limit > 0, offset >= 0 else { return [] }
        return withState { s in
            let data = s[queue: q]
            // Longest waiting first, ties by id: the order the awaiting set gives Redis.
            var waiting: [AwaitingApproval] = []
            for id in data.active + data.descending(.awaiting) {
                guard let job = data.jobs[id], let request = job.waitingApproval else { continue }
                waiting.append(AwaitingApproval(jobID: id, queue: q, tenant: SpecDigest(json: job.spec).tenant, request: request))
            }
            waiting.sort { a, b in
                a.request.askedAt != b.request.askedAt ? a.request.askedAt < b.request.askedAt : a.jobID < b.jobID
            }
            return Array(waiting.dropFirst(offset).prefix(limit))
        }
    }
}

extension MemoryJob {
    mutating func clearApproval() {
        approval = nil
        approvalDecision = nil
        approvalTimeout = nil
    }

    /// The job leaves active: a call still waiting goes with the attempt; a decided one (a parked
    /// call's, not yet taken) stays for the attempt that resumes it.
    mutating func leaveActive() {
        if approvalDecision == nil { clearApproval() }
    }
}

extension MemoryQueueState {
    /// A parked job's call was decided (by a person or the clock): back to the front of pending.
    mutating func wake(_ job: inout MemoryJob, id: String, queue q: String, now: Double) {
        self[queue: q].sets[.awaiting]?[id] = nil
        job.state = .pending
        job.enqueuedAt = now
        job.updatedAt = now
        self[queue: q].pending.append(id)
    }
}
