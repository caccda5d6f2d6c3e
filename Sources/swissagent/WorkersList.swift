import AgentCore
import ArgumentParser
import CommandOptions
import Foundation

struct WorkersList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workers", abstract: "List the live workers: host, pid, queues, and the jobs each is running.")

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let workers = try await global.makeQueue().workers()
        if json {
            output.json(JSONValue.array(workers.map(WireModel.worker)).prettyJSON())
            return
        }
        if workers.isEmpty { output.say("no workers: start one with `swissagent worker`"); return }
        let now = Date()
        output.say(Format.table(
            ["ID", "HOST", "PID", "QUEUES", "BUSY", "UP", "LAST BEAT", "JOBS"],
            workers.map { w in
                [w.id, w.host, "\(w.pid)", w.queues.joined(separator: ","), "\(w.currentJobs.count)/\(w.concurrency)",
                 HumanText.age(Date(timeIntervalSince1970: w.startedAt), now: now),
                 HumanText.age(Date(timeIntervalSince1970: w.heartbeatAt), now: now), HumanText.oneLine(w.currentJobs.joined(separator: ","), max: 40)]
            }))
    }
}
