import ArgumentParser
import Foundation

@main
struct SwissAgent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swissagent",
        abstract: "Run AI-agent jobs from a Redis queue in sandboxes, and operate the queue.",
        version: "0.1.0",
        subcommands: [ConsoleCommand.self, Submit.self, Jobs.self, Queues.self, WorkersList.self, ModelsList.self, WorkerCommand.self, RunCommand.self, APICommand.self,
                      Demo.self]
    )

    static func main() async {
        // A sandboxed command that exits before reading all its stdin must not take the worker down:
        // the write fails with EPIPE instead.
        signal(SIGPIPE, SIG_IGN)
        await main(nil)
    }
}
