import Foundation
import Synchronization

/// Runs claimed jobs in this process while their leases are kept: a worker's slots, the console's
/// "run it here" and `run` all run a job through one of these, so each runs under the same
/// processor (sandboxes, limit policy, approvals, models) the way a worker runs it.
public final class JobRunner: Sendable {
    public let processor: JobProcessor
    /// Who holds the claims (a worker id).
    public let worker: String
    /// Seconds a claim lasts without renewal.
    public let lease: Double
    private let controls = Mutex<[ObjectIdentifier: JobControl]>([:])

    public init(processor: JobProcessor, worker: String, lease: Double) {
        self.processor = processor
        self.worker = worker
        self.lease = lease
    }

    /// The jobs running now.
    public var running: [JobControl] { controls.withLock { Array($0.values) } }

    /// Runs the job to its outcome. Its lease is renewed meanwhile by whoever runs `keepLeases`;
    /// with `next`, the outcome may carry the consumer's next job (claimed in the same step).
    public func run(_ job: ClaimedJob, on queue: any WorkerQueue, next: ClaimRequest? = nil,
                    watch: (any JobObserver)? = nil) async -> JobOutcome {
        let control = JobControl(token: job.token)
        let key = ObjectIdentifier(control)
        controls.withLock { $0[key] = control }
        defer { _ = controls.withLock { $0.removeValue(forKey: key) } }
        return await processor.process(job, queue: queue, control: control, next: next, watch: watch)
    }

    /// Stops every running job for `reason` (a shutdown past its grace period).
    public func stopAll(_ reason: StopReason) {
        for control in running { control.stop(reason) }
    }

    /// Renews every running job's lease each `interval` seconds until the task is cancelled, and
    /// stops each one the queue says to stop. A renewal that fails (the store away) is told to
    /// `failed` and tried again at the next tick, while the leases still run.
    public func keepLeases(on queue: any WorkerQueue, every interval: Double, failed: @Sendable (any Error) -> Void = { _ in }) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(Int(interval * 1000)))
            if Task.isCancelled { return }
            do {
                try await LeaseRenewal.renew(running, on: queue, worker: worker, lease: lease)
            } catch {
                failed(error)
            }
        }
    }
}
