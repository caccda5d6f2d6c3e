import AgentCore
import Foundation

extension RedisJobQueue {
    /// Depths, oldest pending age and the last hour's rates: two round trips whatever the queue holds.
    public func stats(queue: String) async throws -> QueueStats {
        let q = keys.queue(queue)
        let now = nowMs
        let minute = now / 60_000
        let minutes = (0..<60).map { minute - 59 + $0 }
        let r = try await client.pipeline([
            ["LLEN", q.pending], ["LLEN", q.active], ["ZCARD", q.scheduled], ["ZCARD", q.retry], ["ZCARD", q.failed],
            ["ZCARD", q.succeeded], ["ZCARD", q.cancelled], ["EXISTS", q.paused], ["ZCOUNT", q.lease, "-inf", now],
            ["LINDEX", q.pending, -1], ["ZCARD", q.awaiting],
            ["MGET"] + minutes.map { q.processed(minute: $0) },
            ["MGET"] + minutes.map { q.failedCount(minute: $0) },
            ["ZCARD", q.parked],
        ])
        for reply in r { try reply.orThrow() }
        var stats = QueueStats(
            queue: queue, paused: r[7].int == 1, pending: r[0].int ?? 0, active: r[1].int ?? 0, scheduled: r[2].int ?? 0,
            retrying: r[3].int ?? 0, failed: r[4].int ?? 0, succeeded: r[5].int ?? 0, cancelled: r[6].int ?? 0,
            orphaned: r[8].int ?? 0,
            processedPerMinute: (r[11].array ?? []).map { Stored.count($0.text) ?? 0 },
            failedPerMinute: (r[12].array ?? []).map { Stored.count($0.text) ?? 0 })
        stats.awaiting = Stored.count(r[10].int) ?? 0
        stats.parked = Stored.count(r[13].int) ?? 0
        if let oldest = r[9].text,
           let times = try await client.send(["HMGET", q.job(oldest), "enqueued_at", "created_at"]).array,
           let enqueued = times.lazy.compactMap({ Stored.date(ms: $0.text) }).first?.timeIntervalSince1970 {
            stats.oldestPendingAge = max(0, Double(now) / 1000 - enqueued)
        }
        return stats
    }

    /// One page of a state's jobs, newest first: one range read and one pipelined HMGET.
    public func list(queue: String, state: JobState, offset: Int, limit: Int) async throws -> [JobSummary] {
        let q = keys.queue(queue)
        let stop = offset + max(0, limit) - 1
        guard limit > 0 else { return [] }
        let ids: [String]
        switch state {
        case .pending, .active:
            // pending: LPUSH puts the newest at the head. active: claims LMOVE to the head.
            ids = try await client.call("LRANGE", state == .pending ? q.pending : q.active, offset, stop).texts
        default:
            guard let set = q.set(for: state.rawValue) else { return [] }
            ids = try await client.call("ZREVRANGE", set, offset, stop).texts
        }
        if ids.isEmpty { return [] }
        let fields = ["state", "attempts", "max_attempts", "worker", "error", "created_at", "updated_at", "spec", "claimed_at",
                      "lease_until", "finished_at", "run_at", "steps", "orphaned", "agent_model", "agent_turns", "tokens_in", "tokens_out",
                      "model_usd_micros"]
        let replies = try await client.pipeline(ids.map { ["HMGET", q.job($0)] + fields })
        return zip(ids, replies).map { id, reply in
            let v = reply.array ?? []
            func text(_ i: Int) -> String? { i < v.count ? v[i].text.flatMap { $0.isEmpty ? nil : $0 } : nil }
            let digest = SpecDigest(json: text(7))
            func date(_ i: Int) -> Date? { Stored.date(ms: text(i)) }
            // A job untouched since enqueue has no updated_at yet: its creation time stands in.
            var summary = JobSummary(
                id: id, queue: queue, state: text(0).flatMap(JobState.init(rawValue:)), tools: digest.tools.joined(separator: ","),
                attempts: Stored.count(text(1)) ?? 0,
                maxAttempts: Stored.count(text(2)) ?? digest.maxAttempts ?? 0, worker: text(3),
                lastError: text(4), createdAt: date(5), updatedAt: date(6) ?? date(5), tenant: digest.tenant)
            summary.claimedAt = date(8)
            summary.leaseUntil = date(9)
            summary.finishedAt = date(10)
            summary.runAt = date(11)
            summary.orphaned = Stored.count(text(13)) ?? 0
            summary.metadata = digest.metadata.map { "\($0.key)=\($0.value.displayText)" }.sorted()
            summary.task = digest.task
            if let model = text(14) {
                func count(_ i: Int) -> Int { Stored.count(text(i)) ?? 0 }
                summary.agent = AgentUsage(model: model, turns: count(15), inputTokens: count(16), outputTokens: count(17),
                                           dollars: Double(count(18)) / 1e6)
            }
            if let steps = text(12).flatMap({ try? JSONDecoder().decode([StepRecord].self, from: Data($0.utf8)) }), !steps.isEmpty,
               steps.count <= 100_000 {
                let current = steps.lastIndex { $0.status != .pending && $0.status != .skipped } ?? 0
                summary.step = (current + 1, steps.count)
            }
            return summary
        }
    }

    /// Whether a job with this id is in any queue (never from the remembered locations, which may be stale).
    public func job(id: String) async throws -> JobRecord? {
        if let record = try await job(id: id, cached: true) { return record }
        // A remembered location may be stale (the job was deleted, its id reused elsewhere): look again.
        return locations.get(id) == nil ? nil : try await job(id: id, cached: false)
    }

    private func job(id: String, cached: Bool) async throws -> JobRecord? {
        guard let queue = try await locate(id, cached: cached) else { return nil }
        let q = keys.queue(queue)
        let r = try await client.pipeline([["HGETALL", q.job(id)], ["LRANGE", q.history(id), 0, -1]])
        let flat = try r[0].orThrow().texts
        var h: [String: String] = [:]
        for i in stride(from: 0, to: flat.count - 1, by: 2) { h[flat[i]] = flat[i + 1] }
        guard let state = h["state"].flatMap(JobState.init(rawValue:)) else { return nil }
        func date(_ k: String) -> Date? { Stored.date(ms: h[k]) }
        func int(_ k: String) -> Int { Stored.count(h[k]) ?? 0 }
        let decoder = JSONDecoder()
        let history = try r[1].orThrow().texts.compactMap { try? decoder.decode(JobEvent.self, from: Data($0.utf8)).checked() }
        var record = JobRecord(
            id: id, queue: queue, state: state, specJSON: h["spec"] ?? "", attempts: int("attempts"),
            maxAttempts: Stored.count(h["max_attempts"]) ?? SpecDigest(json: h["spec"]).maxAttempts ?? 0, orphaned: int("orphaned"), createdAt: date("created_at"),
            updatedAt: date("updated_at") ?? date("created_at"), finishedAt: date("finished_at"), runAt: date("run_at"),
            leaseUntil: date("lease_until"), worker: h["worker"].flatMap { $0.isEmpty ? nil : $0 },
            lastError: h["error"], result: h["result"].flatMap { $0.isEmpty ? nil : $0 },
            cancelRequested: h["cancel_requested"] != nil, history: history)
        record.steps = (h["steps"].flatMap { try? decoder.decode([StepRecord].self, from: Data($0.utf8)) } ?? []).map { $0.checked() }
        record.sandbox = h["sandbox"]
        if state == .active || state == .awaiting, h["approval_decision"] == nil {
            record.approval = h["approval"].flatMap { try? decoder.decode(ApprovalRequest.self, from: Data($0.utf8)).checked() }
        }
        let usages = h.filter { $0.key.hasPrefix("usage:") }.values.compactMap { text -> (Double, Double)? in
            let parts = text.split(separator: " ")
            guard parts.count == 2, let s = Stored.amount(String(parts[0])), let d = Stored.amount(String(parts[1])) else { return nil }
            return (s, d)
        }
        record.artifactBytes = Stored.count(h["artifact_bytes"].flatMap { Int($0) })
        // Records written before usage was kept per claim hold one total.
        record.sandboxSeconds = usages.isEmpty ? Stored.amount(h["sandbox_seconds"]) : Stored.amount(usages.reduce(0) { $0 + $1.0 })
        record.costUSD = usages.isEmpty ? Stored.amount(h["cost_usd"]) : Stored.amount(usages.reduce(0) { $0 + $1.1 })
        if let model = h["agent_model"] {
            record.agent = AgentUsage(model: model, turns: int("agent_turns"), inputTokens: int("tokens_in"), outputTokens: int("tokens_out"),
                                      dollars: Double(int("model_usd_micros")) / 1e6)
        }
        return record
    }
}

extension RedisJobQueue {
    /// The queue's outcome counters and attempt-duration histogram: one HGETALL.
    public func metrics(queue: String) async throws -> QueueMetrics {
        let reply = try await client.send(["HGETALL", keys.queue(queue).metrics])
        try reply.orThrow()
        let items = reply.array ?? []
        var fields: [String: Int] = [:]
        for i in stride(from: 0, to: items.count - 1, by: 2) {
            if let name = items[i].text, let value = Stored.count(items[i + 1].text) { fields[name] = value }
        }
        return QueueMetrics(fields: fields)
    }
}

extension RedisJobQueue {
    /// Filtered pages walked in the queue layer: 500 jobs per range read and pipelined HMGET.
    public func find(queue: String?, state: JobState, filter: JobFilter, cursor: String?, limit: Int, scanLimit: Int) async throws -> JobPage {
        try await walkFind(queue: queue, state: state, filter: filter, cursor: cursor, limit: limit, scanLimit: scanLimit)
    }
}
