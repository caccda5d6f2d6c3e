import AgentCore
import Foundation
import Redis

extension RedisJobQueue {
    /// Stores the jobs: one script call per queue and chunk of 500, each sent as soon as it is built so
    /// Redis stores one chunk while the next is prepared. Ids are kept when given, else assigned.
    public func enqueue(each specs: [JobSpec]) async throws -> [Enqueued] {
        if specs.isEmpty { return [] }
        let now = Array(String(nowMs).utf8)
        let nowDate = clock()
        try await registerQueues(Set(specs.map(\.queue)))
        var ids: [String] = []
        ids.reserveCapacity(specs.count)
        // Per queue, and per "ids were given" (those need an existence check): the job keys and args being built.
        var building: [ChunkKey: (jobKeys: [[UInt8]], args: [[UInt8]], places: [Int])] = [:]
        // Each call's replies, its command (to send again) and which jobs it holds.
        var sent: [(RedisClient.ScriptReplies, [Int])] = []

        func send(_ key: ChunkKey) async throws {
            guard let chunk = building.removeValue(forKey: key), !chunk.args.isEmpty else { return }
            let q = keys.queue(key.queue)
            // Every job key is declared: in a cluster, a slot being moved then refuses the whole call
            // up front (TRYAGAIN, ASK) instead of failing it half-way.
            let command = [Array("EVALSHA".utf8), [], Array(String(3 + chunk.jobKeys.count).utf8), Array(q.pending.utf8),
                           Array(q.scheduled.utf8), Array(q.marker.utf8)] + chunk.jobKeys
                + [Array(q.jobPrefix.utf8), now, key.check ? [0x31] : [0x30]] + chunk.args
            sent.append((try await client.submitScript(Scripts.enqueue, [command]), chunk.places))
        }

        for (place, spec) in specs.enumerated() {
            let id = spec.id ?? JobID.make(now: nowDate)
            ids.append(id)
            let key = ChunkKey(queue: spec.queue, check: spec.id != nil)
            let runAt: [UInt8] = spec.runAt.map { Array(String(Int($0 * 1000)).utf8) } ?? [0x30]
            var chunk = building.removeValue(forKey: key) ?? ([], [], [])
            chunk.places.append(place)
            chunk.jobKeys.append(Array(keys.queue(spec.queue).job(id).utf8))
            chunk.args.append(Array(id.utf8))
            chunk.args.append(spec.storedJSONBytes())
            chunk.args.append(runAt)
            building[key] = chunk
            if chunk.jobKeys.count >= 500 { try await send(key) }
        }
        for key in Array(building.keys) { try await send(key) }

        var created = [Bool](repeating: true, count: specs.count)
        for (pending, places) in sent {
            let reply = try await pending.replies()[0]
            // Per job 1 (stored) or 0 (its chosen id was taken).
            let stored = try reply.orThrow().array ?? []
            for (i, place) in places.enumerated() where i < stored.count { created[place] = stored[i].int != 0 }
        }
        return zip(ids, created).map { Enqueued(id: $0, created: $1) }
    }

    public func enqueue(_ spec: JobSpec, journal: [TranscriptEntry]) async throws -> Enqueued {
        let id = spec.id ?? JobID.make(now: clock())
        try await registerQueues([spec.queue])
        let q = keys.queue(spec.queue)
        var stored = spec
        stored.runAt = nil
        let entries = journal.map { $0.json() }
        let args: [any RedisArgument] = [id, stored.storedJSONBytes(), nowMs, entries.reduce(0) { $0 + $1.utf8.count }] + entries
        let reply = try await client.eval(Scripts.enqueueWithJournal, keys: [q.job(id), q.transcript(id), q.pending, q.marker], args: args)
        return Enqueued(id: id, created: try reply.orThrow().int == 1)
    }

    private struct ChunkKey: Hashable {
        var queue: String
        var check: Bool
    }

    func registerQueues(_ names: Set<String>) async throws {
        let fresh = names.filter { knownQueues.insert($0) }
        if fresh.isEmpty { return }
        try await client.send(["SADD", keys.queues] + fresh.sorted()).orThrow()
    }

    public func queues() async throws -> [String] {
        try await client.call("SMEMBERS", keys.queues).texts.sorted()
    }
}
