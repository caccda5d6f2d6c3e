/// A plan whose worker died (or gave it back) goes on after its last finished step rather than from
/// the first: the steps that succeeded are kept, not run again, and the workspace comes back as it
/// was after them. (A failed step, by contrast, retries the plan from its start, as it always has.)
enum PlanResume {
    static func prepare(_ stored: [StepRecord], steps: [StepSpec], previous: JobEvent?, attempt: Int,
                        keeper: any WorkspaceKeeping, observer: any JobObserver) async throws -> [StepRecord] {
        var records = stored
        if ["orphaned", "released"].contains(previous?.event) {
            for i in records.indices where i < steps.count - 1 {
                guard records[i].keptFrom != nil || (records[i].status == .succeeded && records[i].tool == steps[i].tool) else { break }
                if records[i].keptFrom == nil { records[i].keptFrom = max(1, attempt - 1) }
            }
        }
        let kept = records.indices.prefix { $0 < steps.count && records[$0].keptFrom != nil && records[$0].tool == steps[$0].tool }.count
        guard kept > 0 else {
            // Run from the first step: checkpoints of an earlier run are not this one's.
            if attempt > 1 || previous != nil { try await keeper.discard(after: 0) }
            return records
        }
        let restored = try await keeper.restore(turn: kept)
        let said = restored.map { "workspace restored from the checkpoint after step \($0.turn) (\($0.files) files)" } ?? "no workspace checkpoint to restore: the steps kept left no files"
        observer.output(step: kept, stream: .system, text: "going on at step \(kept + 1): \(said)\n")
        return records
    }
}
