/// Renews the leases of running jobs and stops each one the queue says to stop: the worker's
/// renew loop and the console's run-here both go through here.
public enum LeaseRenewal {
    public static func renew(_ running: [JobControl], on queue: any WorkerQueue, worker: String, lease: Double) async throws {
        if running.isEmpty { return }
        let statuses = try await queue.renew(running.map(\.token), worker: worker, lease: lease)
        for control in running {
            switch statuses[control.token] {
            case .cancelRequested: control.stop(.cancelRequested)
            case .lost: control.stop(.leaseLost)
            case .ok, nil: break
            }
        }
    }

    /// Keeps one job's lease every `interval` seconds until the task is cancelled; a renewal that
    /// fails (Redis away) is tried again at the next tick, while the lease still runs.
    public static func keep(_ control: JobControl, on queue: any WorkerQueue, worker: String, lease: Double, every interval: Double) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(Int(interval * 1000)))
            if Task.isCancelled { return }
            try? await renew([control], on: queue, worker: worker, lease: lease)
        }
    }
}
