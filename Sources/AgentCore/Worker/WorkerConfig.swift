import Foundation

public struct WorkerConfig: Sendable {
    public var id: String
    public var queues: [String]
    public var concurrency: Int
    /// Seconds a claim stays ours without renewal.
    public var lease: Double
    /// Seconds running jobs get to finish after a shutdown request before they go back to pending.
    public var grace: Double
    /// Seconds a blocked claim waits before looking again (also bounds how fast a shutdown is noticed).
    public var claimWait: Double
    public var heartbeatInterval: Double
    /// Rewritten at every heartbeat with "ok" or why not: probes (Kubernetes exec probes) read its age and text.
    public var healthFile: String?

    public init(id: String = WorkerConfig.defaultID(), queues: [String] = ["default"], concurrency: Int = 4, lease: Double = 30,
                grace: Double = 25, claimWait: Double = 1, heartbeatInterval: Double = 5, healthFile: String? = nil) {
        self.id = id
        self.queues = queues
        self.concurrency = concurrency
        self.lease = lease
        self.grace = grace
        self.claimWait = claimWait
        self.heartbeatInterval = heartbeatInterval
        self.healthFile = healthFile
    }

    /// host:pid:random, unique per process.
    public static func defaultID() -> String {
        "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(JobID.make().suffix(4))"
    }

    /// Renew well before the lease runs out, and often enough that a cancel is noticed quickly.
    var renewInterval: Double { max(0.05, min(lease / 3, 2)) }
    /// How often every worker looks for expired leases and due retries.
    var maintenanceInterval: Double { max(0.05, min(lease / 2, 1)) }
}
