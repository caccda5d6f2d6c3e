import ArgumentParser

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure swissagent on this machine.",
        subcommands: [BenchQueue.self, BenchWorker.self, BenchConsole.self, BenchE2B.self, BenchAgent.self, BenchBrowser.self])
}
