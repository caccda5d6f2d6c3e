import ArgumentParser

struct Queues: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show every queue's depth and rates; pause or resume a queue.",
        subcommands: [QueuesList.self, QueuesPause.self, QueuesResume.self],
        defaultSubcommand: QueuesList.self)
}
