import ArgumentParser
import Foundation

/// The benchmarks: an executable of their own, so the shipped `swissagent` carries none of them
/// (nor the model server `bench agent` serves).
@main
struct BenchMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swissagent-bench",
        abstract: "Measure swissagent on this machine.",
        subcommands: [BenchQueue.self, BenchWorker.self, BenchConsole.self, BenchE2B.self, BenchAgent.self, BenchBrowser.self, BenchCheckpoint.self])

    static func main() async {
        signal(SIGPIPE, SIG_IGN)
        await main(nil)
    }
}
