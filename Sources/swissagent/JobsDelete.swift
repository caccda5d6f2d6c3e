import AgentCore
import ArgumentParser
import RedisQueue

struct JobsDelete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Delete a job that is not running, with its history and output.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The job id.")
    var id: String

    func run() async throws {
        switch try await global.makeQueue().delete(id: id) {
        case .deleted: print("deleted \(id)")
        case .active: throw CLIError("\(id) is running: cancel it first")
        case .notFound: throw CLIError("no job with id \(id)")
        }
    }
}
