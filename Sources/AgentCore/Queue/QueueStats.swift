import Foundation

/// A queue's depth and rates, all read in O(1).
public struct QueueStats: Sendable, Equatable {
    public var queue: String
    public var paused: Bool
    public var pending: Int
    public var active: Int
    public var scheduled: Int
    public var retrying: Int
    public var failed: Int
    public var succeeded: Int
    public var cancelled: Int
    /// Active jobs whose lease ran out and that the reaper has not yet returned.
    public var orphaned: Int
    /// Jobs whose tool call waits for a person: active ones (a step plan's call waits in its worker)
    /// and parked ones (an agent's: no worker holds them).
    public var awaiting = 0
    /// Parked jobs: waiting for a person with no worker holding them (state `awaiting`).
    public var parked = 0
    public var oldestPendingAge: Double?
    /// Last 60 minutes, oldest first; the last element is the current minute.
    public var processedPerMinute: [Int]
    public var failedPerMinute: [Int]

    public init(queue: String, paused: Bool = false, pending: Int = 0, active: Int = 0, scheduled: Int = 0, retrying: Int = 0,
                failed: Int = 0, succeeded: Int = 0, cancelled: Int = 0, orphaned: Int = 0, oldestPendingAge: Double? = nil,
                processedPerMinute: [Int] = [], failedPerMinute: [Int] = []) {
        self.queue = queue
        self.paused = paused
        self.pending = pending
        self.active = active
        self.scheduled = scheduled
        self.retrying = retrying
        self.failed = failed
        self.succeeded = succeeded
        self.cancelled = cancelled
        self.orphaned = orphaned
        self.oldestPendingAge = oldestPendingAge
        self.processedPerMinute = processedPerMinute
        self.failedPerMinute = failedPerMinute
    }

    public func count(_ state: JobState) -> Int {
        switch state {
        case .pending: pending
        case .active: active
        case .scheduled: scheduled
        case .retrying: retrying
        case .failed: failed
        case .succeeded: succeeded
        case .cancelled: cancelled
        case .awaiting: parked
        }
    }
}
