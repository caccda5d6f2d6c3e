import AgentCore
import ArgumentParser
import CommandOptions
import Foundation

struct QueuesList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "A table of queues (the default).")

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        try await Self.show(try global.makeQueue(), json: json)
    }

    static func show(_ jobQueue: any QueueReader, json: Bool) async throws {
        var all: [QueueStats] = []
        for q in try await jobQueue.queues() { all.append(try await jobQueue.stats(queue: q)) }
        let now = Date()
        if json {
            print(JSONValue.array(all.map { WireModel.queue($0, now: now) }).prettyJSON())
            return
        }
        if all.isEmpty { print("no queues yet: submit a job with `swissagent submit FILE`"); return }
        print(Format.table(
            ["QUEUE", "STATUS", "PENDING", "ACTIVE", "SCHEDULED", "RETRYING", "FAILED", "SUCCEEDED", "OLDEST", "DONE/MIN", "FAILED/MIN"],
            all.map { s in
                [s.queue, s.paused ? "PAUSED" : (s.orphaned > 0 ? "\(s.orphaned) orphaned" : "running"), "\(s.pending)", "\(s.active)",
                 "\(s.scheduled)", "\(s.retrying)", "\(s.failed)", "\(s.succeeded)", HumanText.duration(s.oldestPendingAge),
                 "\(HumanText.perMinute(s.processedPerMinute, now: now))", "\(HumanText.perMinute(s.failedPerMinute, now: now))"]
            }))
    }
}
