import ArgumentParser
import CommandOptions

struct QueuesResume: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Let workers take jobs from a paused queue again.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The queue.")
    var queue: String

    func run() async throws {
        try await global.makeQueue().setPaused(queue: queue, false)
        print("resumed \(queue)")
    }
}
