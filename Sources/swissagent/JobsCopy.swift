import AgentCore
import ArgumentParser
import CommandOptions
import Foundation
import Operations

struct JobsCopy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Queue a new job with the spec of an existing one (the original keeps its place and history).",
        discussion: "The copy gets a new id, runs at once, and carries copied_from=ID in its metadata.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The job to copy.")
    var id: String

    @Option(help: "Queue the copy here instead of the original's queue.")
    var queue: String?

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let queue, !JobSpecParser.isValidName(queue) { throw ValidationError("--queue: \(JobSpecParser.nameRule)") }
    }

    func run() async throws {
        let jobs = try global.makeQueue()
        let copy: String?
        do { copy = try await JobCopy.enqueue(copyOf: id, queue: queue, on: jobs) } catch let e as JobSpecError {
            throw CLIError("job \(id) has no valid spec to copy: \(e)")
        }
        guard let copy else { throw CLIError("no job \(id)") }
        output.say(copy)
    }
}
