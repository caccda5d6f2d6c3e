import AgentCore

/// A finished plan run again from one of its steps: the steps before it keep their records (marked
/// with the attempt they came from) and do not run again. The job's sandbox is a new one: what the
/// kept steps wrote there is not, so a step that reads it should be among those that run.
public enum RequeueFromStep {
    /// Requeues `id` from step `step` (1-based); a refusal says why in the words every surface shows.
    public static func requeue(_ id: String, fromStep step: Int, on queue: any QueueReader & QueueOperator) async throws -> ActionOutcome {
        guard let job = try await queue.job(id: id) else { return .notFound(id) }
        guard let spec = job.spec, !spec.steps.isEmpty else {
            return invalid("\(id) has no steps to start from (an agent's run is forked from a turn: jobs fork)")
        }
        guard (1...spec.steps.count).contains(step) else { return invalid("--from-step: from 1 to \(spec.steps.count), the steps of \(id)") }
        if job.state == .pending || job.state == .active || job.state == .awaiting {
            return try await queue.requeue(id: id).outcome(id)  // says why not
        }
        let stored = job.steps
        var records: [StepRecord] = []
        for (i, planned) in spec.steps.enumerated() {
            if i < step - 1 {
                guard let record = stored[safe: i], record.status == .succeeded, record.tool == planned.tool else {
                    return invalid("step \(i + 1) of \(id) did not succeed: requeue from step \(i + 1) or earlier")
                }
                var kept = record
                kept.keptFrom = record.keptFrom ?? job.attempts
                records.append(kept)
            } else {
                records.append(StepRecord(tool: planned.tool))
            }
        }
        let outcome = try await queue.requeue(id: id, keeping: records).outcome(id)
        guard outcome.done else { return outcome }
        return ActionOutcome(kind: .done, message: "requeued \(id) from step \(step) (steps 1 to \(step - 1) kept)", code: "requeued")
    }

    private static func invalid(_ message: String) -> ActionOutcome { ActionOutcome(kind: .invalid, message: message, code: "invalid_step") }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
