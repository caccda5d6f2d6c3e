import AgentCore
import Foundation
import Redis

extension RedisJobQueue {
    /// Tries each queue in order; when all are empty, blocks on their markers (BZPOPMIN) until
    /// work may have arrived or `wait` seconds pass. The blocking happens on this queue's own connection.
    public func claim(queues: [String], worker: String, lease: Double, wait: Double) async throws -> ClaimedJob? {
        let start = ContinuousClock.now
        while true {
            for q in queues {
                if let job = try await claimOnce(queue: q, worker: worker, lease: lease) { return job }
            }
            let elapsed = ContinuousClock.now - start
            let remaining = wait - elapsed.seconds
            if remaining <= 0 { return nil }
            var block = min(remaining, 5)
            var markers = queues.map { keys.queue($0).marker }
            if client.isCluster && markers.count > 1 {
                // BZPOPMIN cannot span slots: block on the first queue's marker, and look at the others
                // again every quarter second.
                markers = [markers[0]]
                block = min(block, 0.25)
            }
            try await client.send(["BZPOPMIN"] + markers + [String(format: "%.3f", block)],
                                  timeout: block + client.config.commandTimeout).orThrow()
        }
    }

    func claimOnce(queue: String, worker: String, lease: Double) async throws -> ClaimedJob? {
        let q = keys.queue(queue)
        let now = nowMs
        let reply = try await client.eval(
            Scripts.claim,
            keys: [q.pending, q.active, q.lease, q.paused, q.marker, q.failed],
            args: [now, now + Int(lease * 1000), worker, q.jobPrefix, "invalid-" + JobID.make(now: clock())]
        )
        let parts = reply.array ?? []
        report(invalid: parts.dropFirst(), queue: queue)
        return parts.first.flatMap { Self.decodeClaim($0, queue: queue, now: now) }
    }

    public func claim(id: String, worker: String, lease: Double) async throws -> ClaimedJob? {
        guard let queue = try await locate(id) else { return nil }
        let q = keys.queue(queue)
        let now = nowMs
        let reply = try await client.eval(Scripts.claimID, keys: [q.job(id), q.pending, q.active, q.lease],
                                          args: [id, now, now + Int(lease * 1000), worker])
        return Self.decodeClaim(reply, queue: queue, now: now)
    }

    public func enqueueClaimed(_ spec: JobSpec, worker: String, lease: Double) async throws -> ClaimedJob? {
        let id = spec.id ?? JobID.make(now: clock())
        try await registerQueues([spec.queue])
        let q = keys.queue(spec.queue)
        let now = nowMs
        let reply = try await client.eval(Scripts.enqueueClaimed, keys: [q.job(id), q.active, q.lease],
                                          args: [id, String(decoding: spec.storedJSONBytes(), as: UTF8.self), now, now + Int(lease * 1000), worker])
        return Self.decodeClaim(try reply.orThrow(), queue: spec.queue, now: now)
    }

    static func decodeClaim(_ reply: RedisReply, queue: String, now: Int) -> ClaimedJob? {
        guard let f = reply.array, f.count >= 5, let id = f[0].text, let spec = f[1].text, let claim = f[2].int,
              let attempt = Stored.count(f[3].int) else { return nil }
        // The history entry before the claim, read back as untrusted: garbage is none.
        let previous = f.count > 5 ? f[5].text.flatMap { try? JSONDecoder().decode(JobEvent.self, from: Data($0.utf8)) } : nil
        // The sandbox an earlier attempt ran in, as its worker recorded it (checked again where it is used).
        let sandbox = f.count > 6 ? f[6].text.flatMap { $0.isEmpty || $0.utf8.count > 200 ? nil : $0 } : nil
        return ClaimedJob(id: id, queue: queue, specJSON: spec, claim: claim, attempt: attempt,
                          enqueuedAt: Stored.date(ms: f[4].text) ?? Date(ms: Double(now)), previous: previous, sandbox: sandbox)
    }

    public func renew(_ tokens: [ClaimToken], worker: String, lease: Double) async throws -> [ClaimToken: LeaseStatus] {
        var out: [ClaimToken: LeaseStatus] = [:]
        let until = nowMs + Int(lease * 1000)
        for (queue, group) in Dictionary(grouping: tokens, by: \.queue) {
            let q = keys.queue(queue)
            var args: [any RedisArgument] = [until, q.jobPrefix, worker]
            for t in group { args += [t.id, t.claim] }
            let reply = try await client.eval(Scripts.renew, keys: [q.lease], args: args)
            for (t, status) in zip(group, reply.texts) { out[t] = LeaseStatus(rawValue: status) ?? .lost }
        }
        return out
    }

    public func complete(_ token: ClaimToken, result: String?, next: ClaimRequest?) async throws -> (AckOutcome, ClaimedJob?) {
        let q = keys.queue(token.queue)
        let now = nowMs
        let reply = try await client.eval(
            Scripts.complete,
            keys: [q.job(token.id), q.history(token.id), q.active, q.lease, q.succeeded, q.processed(minute: now / 60_000),
                   q.pending, q.paused, q.marker, q.failed, q.metrics, q.awaiting],
            args: [token.id, token.claim, now, result ?? "", Self.counterTTLms,
                   next?.worker ?? "", next.map { now + Int($0.lease * 1000) } ?? 0, q.jobPrefix, "invalid-" + JobID.make(now: clock())]
        )
        let parts = reply.array ?? []
        let outcome = parts.first?.text.flatMap(AckOutcome.init(rawValue:)) ?? .missing
        let job = parts.count > 1 ? Self.decodeClaim(parts[1], queue: token.queue, now: now) : nil
        report(invalid: parts.dropFirst(2), queue: token.queue)
        return (outcome, job)
    }

    /// Records that were no job and went to failed on the way to a claim: said once, where the operator looks.
    private func report(invalid notes: ArraySlice<RedisReply>, queue: String) {
        for note in notes.compactMap(\.text) { onInvalidRecord("queue \(queue): \(note)") }
    }

    public func fail(_ token: ClaimToken, error: String, kind: FailureKind) async throws -> AckOutcome {
        let q = keys.queue(token.queue)
        let now = nowMs
        let retryAt = now + Int(retry.delay(afterAttempt: token.attempt) * 1000)
        let minute = now / 60_000
        let reply = try await client.eval(
            Scripts.fail,
            keys: [q.job(token.id), q.history(token.id), q.active, q.lease, q.retry, q.failed, q.cancelled,
                   q.processed(minute: minute), q.failedCount(minute: minute), q.metrics, q.awaiting],
            args: [token.id, token.claim, now, String(error.prefix(4000)), kind.rawValue, retryAt, Self.counterTTLms, ""]
        )
        return AckOutcome(rawValue: reply.text ?? "") ?? .missing
    }

    public func release(_ token: ClaimToken, reason: String, until: Double?) async throws -> Bool {
        let q = keys.queue(token.queue)
        let reply = try await client.eval(
            Scripts.release, keys: [q.job(token.id), q.history(token.id), q.active, q.lease, q.pending, q.marker, q.awaiting, q.scheduled],
            args: [token.id, token.claim, nowMs, reason, until.map { Int(($0 * 1000).rounded(.down)) } ?? 0])
        return reply.text == "released"
    }

    public func record(_ token: ClaimToken, steps: [StepRecord], sandbox: String?, usage: (seconds: Double, dollars: Double)?) async throws {
        _ = try await client.eval(Scripts.record, keys: [keys.queue(token.queue).job(token.id)],
                                  args: try recordArgs(token, steps, sandbox: sandbox, usage: usage))
    }

    public func recordArtifacts(_ token: ClaimToken, root: String, held: Int?, uploaded: Int) async throws {
        let q = keys.queue(token.queue)
        _ = try await client.eval(Scripts.recordArtifacts, keys: [q.job(token.id), q.metrics], args: [token.claim, root, held ?? -1, max(0, uploaded)])
    }

    public func takeGoneArtifacts(queue: String, limit: Int) async throws -> [String] {
        try await client.send(["RPOP", keys.queue(queue).goneArtifacts, max(1, limit)]).texts
    }

    public func giveBackGoneArtifacts(queue: String, _ roots: [String]) async throws {
        guard !roots.isEmpty else { return }
        _ = try await client.send(["LPUSH", keys.queue(queue).goneArtifacts] + roots.map { $0 as any RedisArgument })
    }

    func recordArgs(_ token: ClaimToken, _ steps: [StepRecord], sandbox: String?, usage: (seconds: Double, dollars: Double)?) throws -> [any RedisArgument] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var args: [any RedisArgument] = [token.claim, "steps", Array(try encoder.encode(steps))]
        if let sandbox { args += ["sandbox", sandbox] }
        // Per claim, summed when read: a job whose attempts share one kept sandbox (E2B, paused between
        // them) pays for each attempt's running time, never for the pauses, and a retried write counts once.
        if let usage { args += ["usage:\(token.claim)", String(format: "%.3f %.6f", usage.seconds, usage.dollars)] }
        return args
    }

    public func reapExpiredLeases(queue: String) async throws -> Int {
        let q = keys.queue(queue)
        let reply = try await client.eval(Scripts.reap, keys: [q.lease, q.active, q.pending, q.failed, q.marker, q.metrics, q.awaiting],
                                          args: [nowMs, q.jobPrefix, maxOrphans, 500])
        return reply.int ?? 0
    }

    public func promoteDue(queue: String) async throws -> Int {
        let q = keys.queue(queue)
        let reply = try await client.eval(Scripts.promote, keys: [q.retry, q.scheduled, q.pending, q.marker, q.parked, q.awaiting],
                                          args: [nowMs, q.jobPrefix, 500])
        return reply.int ?? 0
    }

    public func trim(queue: String) async throws -> Int {
        let q = keys.queue(queue)
        let reply = try await client.eval(
            Scripts.trim, keys: [q.succeeded, q.failed, q.cancelled, q.goneArtifacts, q.metrics],
            args: [nowMs, q.jobPrefix, Int(retention.succeededSeconds * 1000), Int(retention.failedSeconds * 1000),
                   retention.failedMaxCount, 1000])
        return reply.int ?? 0
    }
}
