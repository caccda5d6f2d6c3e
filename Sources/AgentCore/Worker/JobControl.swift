import Foundation

/// Why a running job is being stopped from outside, set before its task is cancelled.
public enum StopReason: Sendable, Equatable {
    /// Someone cancelled the job: acknowledge it as cancelled.
    case cancelRequested
    /// The lease was lost (the job was reclaimed): stop and acknowledge nothing.
    case leaseLost
    /// The worker is shutting down past its grace period: give the job back to pending.
    case shutdown
}

/// The handle the worker keeps on one running job.
/// `@unchecked Sendable`: `reason` and `cancel` are only touched while holding `lock`.
public final class JobControl: @unchecked Sendable {
    private let lock = NSLock()
    private var reason: StopReason?
    private var cancel: (@Sendable () -> Void)?
    public let token: ClaimToken

    public init(token: ClaimToken) { self.token = token }

    public var stopReason: StopReason? { lock.withLock { reason } }

    /// Sets what stopping does (cancel the job's task); runs it at once if a stop came first.
    func attach(_ cancel: @escaping @Sendable () -> Void) {
        let stopNow = lock.withLock { () -> Bool in
            self.cancel = cancel
            return reason != nil
        }
        if stopNow { cancel() }
    }

    /// Stops the job; the first reason wins.
    public func stop(_ why: StopReason) {
        let c: (@Sendable () -> Void)? = lock.withLock {
            if reason == nil { reason = why }
            return cancel
        }
        c?()
    }
}
