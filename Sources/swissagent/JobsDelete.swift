import AgentCore
import ArgumentParser
import CommandOptions
import Operations

struct JobsDelete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Delete a job that is not running, with its history and output.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The job id.")
    var id: String

    func run() async throws {
        let outcome = try await global.makeQueue().delete(id: id).outcome(id)
        guard outcome.done else { throw CLIError(outcome.message) }
        print(outcome.message)
    }
}
