import AgentCore
import Foundation
import Redis

extension RedisJobQueue {
    /// The queue a job id belongs to: remembered, else one EXISTS per known queue in one round trip.
    /// A deleted job's entry can outlive it; `job(id:)` notices and looks again.
    func locate(_ id: String, cached: Bool = true) async throws -> String? {
        if cached, let queue = locations.get(id) { return queue }
        let names = try await queues()
        let replies = try await client.pipeline(names.map { ["EXISTS", keys.queue($0).job(id)] })
        let found = zip(names, replies).first { $0.1.int == 1 }?.0
        if let found { locations.set(id, found) } else { locations.forget(id) }
        return found
    }

    public func requeue(id: String) async throws -> RequeueOutcome {
        guard let queue = try await locate(id) else { return .notFound }
        let reply = try await requeue(ids: [id], queue: queue, note: "")
        return reply[0]
    }

    public func requeue(id: String, keeping steps: [StepRecord]) async throws -> RequeueOutcome {
        guard let queue = try await locate(id) else { return .notFound }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let kept = steps.filter { $0.keptFrom != nil }.count
        return try await requeue(ids: [id], queue: queue, note: " from step \(kept + 1), keeping \(kept)",
                                 steps: String(decoding: try encoder.encode(steps), as: UTF8.self))[0]
    }

    /// `steps`: step records (JSON) stored with the job in the same step ("" leaves them).
    func requeue(ids: [String], queue: String, note: String, steps: String = "") async throws -> [RequeueOutcome] {
        let q = keys.queue(queue)
        let now = nowMs
        let calls: [(keys: [String], args: [any RedisArgument])] = ids.map { id in
            (keys: [q.job(id), q.history(id), q.pending, q.marker, q.failed, q.cancelled, q.succeeded, q.retry, q.scheduled],
             args: [id, now, note, steps])
        }
        return try await client.evalBatch(Scripts.requeue, calls).map { reply in
            switch try reply.orThrow().text {
            case "requeued": .requeued
            case "missing": .notFound
            case let s?: JobState(rawValue: s).map { .notRequeueable($0) } ?? .notFound
            case nil: .notFound
            }
        }
    }

    /// Failed jobs of one queue, or of all, that match the filter; walked a page at a time.
    func matchingFailed(queue: String?, filter: JobFilter, body: (String, [String]) async throws -> Void) async throws {
        let names = if let queue { [queue] } else { try await queues() }
        // Every queue's matches first, then the action: a filter that runs out of time changes nothing.
        let budget = RegexBudget(seconds: JobFilter.bulkRegexSeconds)
        var matched: [(String, [String])] = []
        for name in names {
            let q = keys.queue(name)
            // Walk newest-first in pages of 500 by rank; ids are collected first, so requeueing
            // (which removes them from the set) cannot shift the walk.
            var ids: [String] = []
            var start = 0
            while true {
                let page = try await client.call("ZREVRANGE", q.failed, start, start + 499).texts
                if page.isEmpty { break }
                if (filter.text ?? "").isEmpty && filter.tenant == nil {
                    ids += page
                } else {
                    let fields = try await client.pipeline(page.map { ["HMGET", q.job($0), "error", "spec"] })
                    for (id, f) in zip(page, fields) {
                        let v = f.array ?? []
                        if filter.matches(error: v.first?.text, specJSON: v.count > 1 ? v[1].text : nil, budget: budget) {
                            ids.append(id)
                        }
                    }
                    if budget.exhausted { throw FilterTooSlow() }
                }
                start += 500
            }
            if !ids.isEmpty { matched.append((name, ids)) }
        }
        for (name, ids) in matched { try await body(name, ids) }
    }

    public func requeueFailed(queue: String?, filter: JobFilter) async throws -> Int {
        var n = 0
        let note = " (bulk requeue" + (filter.text.map { " matching \"\($0)\"" } ?? "") + (filter.tenant.map { " of tenant \($0)" } ?? "") + ")"
        try await matchingFailed(queue: queue, filter: filter) { name, ids in
            for chunk in stride(from: 0, to: ids.count, by: 500).map({ Array(ids[$0..<min($0 + 500, ids.count)]) }) {
                n += try await requeue(ids: chunk, queue: name, note: note).filter { $0 == .requeued }.count
            }
        }
        return n
    }

    public func countFailed(queue: String?, filter: JobFilter) async throws -> Int {
        var n = 0
        try await matchingFailed(queue: queue, filter: filter) { _, ids in n += ids.count }
        return n
    }

    public func cancel(id: String) async throws -> CancelOutcome {
        guard let queue = try await locate(id) else { return .notFound }
        let q = keys.queue(queue)
        let reply = try await client.eval(
            Scripts.cancel, keys: [q.job(id), q.history(id), q.pending, q.retry, q.scheduled, q.cancelled, q.parked, q.awaiting],
            args: [id, nowMs, keys.events, queue])
        switch reply.text {
        case "cancelled": return .cancelled
        case "requested": return .requested
        case let s? where s.hasPrefix("finished:"):
            return JobState(rawValue: String(s.dropFirst("finished:".count))).map { .alreadyFinished($0) } ?? .notFound
        default: return .notFound
        }
    }

    public func delete(id: String) async throws -> DeleteOutcome {
        guard let queue = try await locate(id) else { return .notFound }
        let q = keys.queue(queue)
        let reply = try await client.eval(
            Scripts.delete,
            keys: [q.job(id), q.history(id), q.output(id), q.pending, q.retry, q.scheduled, q.failed, q.succeeded, q.cancelled, q.transcript(id),
                   q.parked, q.awaiting, q.goneArtifacts, q.metrics],
            args: [id])
        switch reply.text {
        case "deleted":
            locations.forget(id)
            return .deleted
        case "active": return .active
        default: return .notFound
        }
    }

    public func setPaused(queue: String, _ paused: Bool) async throws {
        try await registerQueues([queue])
        let q = keys.queue(queue)
        if paused {
            try await client.call("SET", q.paused, nowMs)
        } else {
            // Wake blocked consumers so pending work starts at once.
            _ = try await client.pipeline([["DEL", q.paused], ["ZADD", q.marker, 0, "1"]])
        }
    }
}
