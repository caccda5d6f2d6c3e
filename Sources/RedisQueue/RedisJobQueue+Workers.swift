import AgentCore
import Foundation

extension RedisJobQueue {
    /// Records a worker's heartbeat; its record expires by itself when the heartbeats stop.
    public func heartbeat(_ worker: WorkerInfo, ttl: Double) async throws {
        let data = try JSONEncoder().encode(worker)
        let replies = try await client.pipeline([
            ["SET", keys.worker(worker.id), Array(data), "PX", Int(ttl * 1000)],
            ["ZADD", keys.workers, Int(worker.heartbeatAt * 1000), worker.id],
        ])
        for r in replies { try r.orThrow() }
    }

    public func removeWorker(id: String) async throws {
        _ = try await client.pipeline([["DEL", keys.worker(id)], ["ZREM", keys.workers, id]])
    }

    /// Workers whose record has not expired, oldest heartbeat first; forgets the expired ones.
    public func workers() async throws -> [WorkerInfo] {
        let ids = try await client.call("ZRANGE", keys.workers, 0, -1).texts
        if ids.isEmpty { return [] }
        // One GET each, pipelined: in a cluster the records live in different slots.
        let replies = try await client.pipeline(ids.map { ["GET", keys.worker($0)] })
        var alive: [WorkerInfo] = []
        var gone: [String] = []
        let decoder = JSONDecoder()
        for (id, r) in zip(ids, replies) {
            if let text = r.text, let w = (try? decoder.decode(WorkerInfo.self, from: Data(text.utf8)))?.checked() {
                alive.append(w)
            } else {
                gone.append(id)
            }
        }
        if !gone.isEmpty { try await client.send(["ZREM", keys.workers] + gone).orThrow() }
        return alive
    }
}
