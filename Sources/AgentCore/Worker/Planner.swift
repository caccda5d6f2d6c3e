/// Turns a job into the steps to run.
public protocol Planner: Sendable {
    func plan(_ job: JobSpec) async throws -> [StepSpec]
}

/// Runs a job's explicit `steps`. Free-text tasks need an LLM planner, which this is not.
public struct StepsPlanner: Planner {
    public init() {}

    public func plan(_ job: JobSpec) async throws -> [StepSpec] {
        if !job.steps.isEmpty { return job.steps }
        throw JobFailure("no planner configured for free-text tasks: give the job explicit \"steps\"", kind: .permanent)
    }
}
