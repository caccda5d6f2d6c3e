import AgentCore
import ArgumentParser
import CommandOptions
import Operations

struct JobsDelete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Delete a job that is not running, with its history, output and files.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The job id.")
    var id: String

    func run() async throws {
        let queue = try global.makeQueue()
        guard let job = try await queue.job(id: id) else { throw CLIError(ActionOutcome.notFound(id).message) }
        let outcome = try await JobFileAccess.delete(job, shown: id, queue: queue, files: JobFiles(store: try global.makeArtifacts()))
        guard outcome.done else { throw CLIError(outcome.message) }
        print(outcome.message)
    }
}
