import AgentCore
import ArgumentParser
import CommandOptions
import Foundation

struct JobsList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List jobs, newest first.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "Only this state: \(JobState.allCases.map(\.rawValue).joined(separator: ", ")).")
    var state: JobState?

    @Option(help: "Only this queue.")
    var queue: String?

    @Option(help: "Only this tenant's jobs.")
    var tenant: String?

    @Option(help: "Only jobs whose id, error, tools or metadata (key=value) contain TEXT (case-insensitive).")
    var match: String?

    @Option(help: "At most this many jobs.")
    var limit = 50

    @Option(help: "Skip this many jobs of each state first (paging).")
    var offset = 0

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard limit > 0 else { throw ValidationError("--limit must be positive") }
        guard offset >= 0 else { throw ValidationError("--offset cannot be negative") }
    }

    func run() async throws {
        let jobQueue = try global.makeQueue()
        let queues = if let queue { [queue] } else { try await jobQueue.queues() }
        let states = state.map { [$0] } ?? [.active, .pending, .retrying, .scheduled, .failed, .succeeded, .cancelled]
        var rows: [JobSummary] = []
        let filter = JobFilter(text: match, tenant: tenant)
        outer: for s in states {
            for q in queues {
                // --offset skips jobs that match, so the queue finds offset + limit and drops the first.
                let page = try await jobQueue.find(queue: q, state: s, filter: filter, limit: offset + limit - rows.count)
                rows += page.rows.dropFirst(offset)
                if rows.count >= limit { break outer }
            }
        }
        if json {
            output.json(JSONValue.array(rows.map { WireModel.row($0) }).prettyJSON())
            return
        }
        if rows.isEmpty { output.say("no jobs"); return }
        output.say(Format.table(
            ["ID", "QUEUE", "STATE", "TENANT", "TOOLS", "ATTEMPTS", "AGE", "WORKER/ERROR"],
            rows.map { r in
                [r.id, r.queue, r.state?.rawValue ?? "?", r.tenant ?? "-", HumanText.oneLine(r.tools, max: 24), "\(r.attempts)/\(r.maxAttempts)",
                 HumanText.age(r.createdAt, now: Date()), r.state == .active ? (r.worker ?? "-") : HumanText.oneLine(r.lastError)]
            }))
    }
}
