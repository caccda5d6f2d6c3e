import AgentCore
import ArgumentParser
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
            output.json(Format.json(.array(workers.map(WireModel.worker))))
            return
        }
        if workers.isEmpty { output.say("no workers: start one with `swissagent worker`"); return }
        let now = Date()
        output.say(Format.table(
            ["ID", "HOST", "PID", "QUEUES", "BUSY", "UP", "LAST BEAT", "JOBS"],
            workers.map { w in
                [w.id, w.host, "\(w.pid)", w.queues.joined(separator: ","), "\(w.currentJobs.count)/\(w.concurrency)",
                 Format.age(Date(timeIntervalSince1970: w.startedAt), now: now),
                 Format.age(Date(timeIntervalSince1970: w.heartbeatAt), now: now), Format.oneLine(w.currentJobs.joined(separator: ","), max: 40)]
            }))
    }
}
