/// Renews the leases of running jobs and stops each one the queue says to stop (`JobRunner`'s loop).
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
}
