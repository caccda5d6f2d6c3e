import AgentCore
import ArgumentParser
import CommandOptions
import Operations

struct JobsCancel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel a job: a waiting one at once, a running one by telling its worker to stop it.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The job id.")
    var id: String

    func run() async throws {
        let outcome = try await global.makeQueue().cancel(id: id).outcome(id)
        guard outcome.done else { throw CLIError(outcome.message) }
        print(outcome.message)
    }
}
