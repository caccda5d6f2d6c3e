import ArgumentParser
import CommandOptions

struct QueuesPause: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause", abstract: "Stop workers taking jobs from a queue (running jobs finish).")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The queue.")
    var queue: String

    func run() async throws {
        try await global.makeQueue().setPaused(queue: queue, true)
        print("paused \(queue)")
    }
}
