import AgentCore
import ArgumentParser
import Foundation
import RedisQueue

struct QueuesList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "A table of queues (the default).")

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        try await Self.show(try global.makeQueue(), json: json)
    }

    static func show(_ jobQueue: RedisJobQueue, json: Bool) async throws {
        var all: [QueueStats] = []
        for q in try await jobQueue.queues() { all.append(try await jobQueue.stats(queue: q)) }
        let now = Date()
        if json {
            print(Format.json(.array(all.map { s in
                .object([
                    "queue": .string(s.queue), "paused": .bool(s.paused), "pending": JSONValue(s.pending),
                    "active": JSONValue(s.active), "scheduled": JSONValue(s.scheduled), "retrying": JSONValue(s.retrying),
                    "failed": JSONValue(s.failed), "succeeded": JSONValue(s.succeeded), "cancelled": JSONValue(s.cancelled),
                    "orphaned": JSONValue(s.orphaned), "oldest_pending_s": s.oldestPendingAge.map { .number($0) } ?? .null,
                    "processed_per_min": JSONValue(Format.perMinute(s.processedPerMinute, now: now)),
                    "failed_per_min": JSONValue(Format.perMinute(s.failedPerMinute, now: now)),
                    "processed_last_hour": .array(s.processedPerMinute.map(JSONValue.init)),
                    "failed_last_hour": .array(s.failedPerMinute.map(JSONValue.init)),
                ])
            })))
            return
        }
        if all.isEmpty { print("no queues yet: submit a job with `swissagent submit FILE`"); return }
        print(Format.table(
            ["QUEUE", "STATUS", "PENDING", "ACTIVE", "SCHEDULED", "RETRYING", "FAILED", "SUCCEEDED", "OLDEST", "DONE/MIN", "FAILED/MIN"],
            all.map { s in
                [s.queue, s.paused ? "PAUSED" : (s.orphaned > 0 ? "\(s.orphaned) orphaned" : "running"), "\(s.pending)", "\(s.active)",
                 "\(s.scheduled)", "\(s.retrying)", "\(s.failed)", "\(s.succeeded)", Format.duration(s.oldestPendingAge),
                 "\(Format.perMinute(s.processedPerMinute, now: now))", "\(Format.perMinute(s.failedPerMinute, now: now))"]
            }))
    }
}
