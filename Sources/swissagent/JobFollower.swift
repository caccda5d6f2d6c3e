import AgentCore
import CommandOptions
import Foundation
import Operations

/// Prints a job's state changes and output as they happen, until it finishes.
struct JobFollower {
    let queue: any QueueReader
    let output: OutputOptions

    /// Returns true when the job succeeded.
    func follow(id: String) async throws -> Bool {
        var follower = OutputFollower(id, on: queue)
        var lastState: JobState?
        func show(_ job: JobRecord) {
            guard job.state != lastState else { return }
            var line = "\(id) \(job.state.rawValue)"
            if job.state == .retrying || job.state == .failed, let e = job.lastError { line += ": \(e)" }
            output.warn(line)
            lastState = job.state
        }
        while true {
            switch try await follower.next(wait: 0.5) {
            case .output(let events):
                for e in events { output.write(e.shown, to: e.stream == .stdout ? .standardOutput : .standardError) }
            case .waiting(let job): show(job)
            case .ended(let job):
                show(job)
                return job.state == .succeeded
            case .gone: throw CLIError("job \(id) disappeared")
            }
        }
    }
}
