import AgentCore
import ArgumentParser
import RedisQueue

struct JobsCancel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel a job: a waiting one at once, a running one by telling its worker to stop it.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The job id.")
    var id: String

    func run() async throws {
        switch try await global.makeQueue().cancel(id: id) {
        case .cancelled: print("cancelled \(id)")
        case .requested: print("cancel requested for \(id): its worker will stop it")
        case .alreadyFinished(let s): throw CLIError("\(id) is already \(s.rawValue)")
        case .notFound: throw CLIError("no job with id \(id)")
        }
    }
}
