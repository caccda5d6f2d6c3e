import Foundation

/// A live worker, as its heartbeat last said.
public struct WorkerInfo: Sendable, Equatable, Codable {
    public var id: String
    public var host: String
    public var pid: Int
    public var startedAt: Double
    public var heartbeatAt: Double
    public var queues: [String]
    public var concurrency: Int
    public var currentJobs: [String]

    public init(id: String, host: String, pid: Int, startedAt: Double, heartbeatAt: Double, queues: [String], concurrency: Int,
                currentJobs: [String]) {
        self.id = id
        self.host = host
        self.pid = pid
        self.startedAt = startedAt
        self.heartbeatAt = heartbeatAt
        self.queues = queues
        self.concurrency = concurrency
        self.currentJobs = currentJobs
    }

    enum CodingKeys: String, CodingKey {
        case id, host, pid, queues, concurrency
        case startedAt = "started_at", heartbeatAt = "heartbeat_at", currentJobs = "current_jobs"
    }
}
