import AgentCore
import ArgumentParser
import CommandOptions
import Foundation
import Operations

struct JobsFork: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fork",
        abstract: "Queue a new agent job that starts from the first N turns of an existing one and goes on live.",
        discussion: "The copied turns are not asked of the model again, nor paid for. The fork gets a new id and carries "
            + "forked_from={job, turn} in its metadata; the original is unchanged. Prints the new id.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The agent job to fork.")
    var id: String

    @Option(help: "Turns of the job's journal to start from (0: only the task).")
    var turn: Int

    @Option(help: "Run the fork on this model endpoint (a name from the workers' models file).")
    var model: String?

    @Option(help: "Add this to the system prompt from the fork on.")
    var instructions: String?

    @Option(help: "Say this to the model after the copied turns, as the person's message.")
    var message: String?

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard turn >= 0 else { throw ValidationError("--turn cannot be negative") }
    }

    func run() async throws {
        let options = JobFork.Options(turn: turn, model: model, instructions: instructions, message: message)
        do {
            output.say(try await JobFork.fork(id, options, as: .operator, on: try global.makeQueue()).id)
        } catch let refused as JobSubmission.Refused {
            throw CLIError(refused.description)
        }
    }
}
