import AgentCore
import Foundation
import RedisQueue

/// Prints a job's state changes and output as they happen, until it finishes.
struct JobFollower {
    let queue: RedisJobQueue
    let output: OutputOptions

    /// Returns true when the job succeeded.
    func follow(id: String) async throws -> Bool {
        // Output reads block, so they get a connection of their own.
        let reader = queue.withNewConnection(label: "follow")
        var lastState: JobState?
        var offset = ""
        while true {
            guard let job = try await queue.job(id: id) else { throw CLIError("job \(id) disappeared") }
            if job.state != lastState {
                var line = "\(id) \(job.state.rawValue)"
                if job.state == .retrying || job.state == .failed, let e = job.lastError { line += ": \(e)" }
                output.warn(line)
                lastState = job.state
            }
            let events = try await reader.readOutput(id: id, after: offset, limit: 500, wait: job.state.isTerminal ? 0 : 0.5)
            for e in events {
                output.write(e.shown, to: e.stream == .stdout ? .standardOutput : .standardError)
                offset = e.offset
            }
            if job.state.isTerminal && events.isEmpty { return job.state == .succeeded }
        }
    }
}
