import AgentCore
import ArgumentParser
import CommandOptions
import Foundation
import Operations

/// The job whose waiting call is decided, and (optionally) which call it must still be.
struct WaitingCall: ParsableArguments {
    @Argument(help: "The job id.")
    var id: String

    @Option(help: "Only if the waiting call is still this one (its id, from `jobs approvals` or `jobs show`).")
    var call: String?

    /// Approve or deny as this user on this host; a refusal is the command's error.
    func decide(_ global: GlobalOptions, approve: Bool, reason: String?) async throws {
        let outcome = try await ApprovalActions.decide(try global.makeQueue(), id: id, approve: approve, reason: reason,
                                                       by: ApprovalActions.person(surface: "cli"), call: call)
        guard outcome.done else { throw CLIError(outcome.message) }
        print(outcome.message)
    }
}

struct JobsApprove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve", abstract: "Approve the tool call a job waits on: it runs. Your user and host go in the job's history.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var waiting: WaitingCall

    func run() async throws { try await waiting.decide(global, approve: true, reason: nil) }
}

struct JobsDeny: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deny", abstract: "Deny the tool call a job waits on. An agent reads the reason as the call's result; a plan of steps fails.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var waiting: WaitingCall

    @Option(help: "Why: it goes back to the job as the call's result.")
    var reason: String

    func run() async throws { try await waiting.decide(global, approve: false, reason: reason) }
}

struct JobsApprovals: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approvals", abstract: "List the tool calls waiting for a person, longest waiting first.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "Only this queue.")
    var queue: String?

    @Option(help: "At most this many.")
    var limit = 100

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let jobQueue = try global.makeQueue()
        let queues = if let queue { [queue] } else { try await jobQueue.queues() }
        var rows: [AwaitingApproval] = []
        for q in queues where rows.count < limit { rows += try await jobQueue.awaiting(queue: q, offset: 0, limit: limit - rows.count) }
        if json {
            output.json(JSONValue.array(rows.map { r in
                .object(["id": .string(r.jobID), "queue": .string(r.queue), "tenant": r.tenant.map { .string($0) } ?? .null,
                         "approval": WireModel.encode(r.request)])
            }).prettyJSON())
            return
        }
        if rows.isEmpty { output.say("no calls wait for approval"); return }
        let now = Date().timeIntervalSince1970
        output.say(Format.table(["ID", "QUEUE", "WAITING", "TIMES OUT", "CALL", "WHY"], rows.map { r in
            [r.jobID, r.queue, HumanText.duration(now - r.request.askedAt), HumanText.duration(r.request.deadline.timeIntervalSince1970 - now),
             HumanText.oneLine(r.request.summary, max: 50), r.request.reason]
        }))
    }
}
