import AgentCore
import ArgumentParser
import CommandOptions
import Foundation
import Operations

struct JobsRequeue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "requeue",
        abstract: "Put finished jobs back on their queue with fresh attempts (their history is kept).",
        discussion: "Either name job ids, or --all-failed (optionally narrowed by --queue and --match). "
            + "A bulk requeue shows the count and asks first on a terminal; --yes skips the question, --dry-run only counts.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Job ids to requeue.")
    var ids: [String] = []

    @Flag(help: "Requeue every failed job (of --queue, or of every queue).")
    var allFailed = false

    @Option(help: "With --all-failed: only this queue.")
    var queue: String?

    @Option(help: "With --all-failed: only jobs whose error, tools or metadata contain TEXT (case-insensitive).")
    var match: String?

    @Option(help: "With --all-failed: only this tenant's jobs.")
    var tenant: String?

    @Option(help: "With one job id: run its plan again from this step (1-based); the steps before it keep their records and do not run.")
    var fromStep: Int?

    @Flag(help: "Do not ask for confirmation.")
    var yes = false

    @Flag(help: "Only print how many jobs would be requeued.")
    var dryRun = false

    func validate() throws {
        if allFailed == !ids.isEmpty { throw ValidationError("name job ids or pass --all-failed (not both)") }
        if !allFailed && (queue != nil || match != nil || tenant != nil) {
            throw ValidationError("--queue, --match and --tenant go with --all-failed")
        }
        if fromStep != nil && ids.count != 1 { throw ValidationError("--from-step goes with one job id") }
    }

    func run() async throws {
        let jobQueue = try global.makeQueue()
        if allFailed {
            let filter = JobFilter(text: match, tenant: tenant)
            let count = try await jobQueue.countFailed(queue: queue, filter: filter)
            let what = "\(count) failed job\(count == 1 ? "" : "s")" + (queue.map { " in \($0)" } ?? "") + (match.map { " matching \"\($0)\"" } ?? "")
                + (tenant.map { " of tenant \($0)" } ?? "")
            if dryRun || count == 0 { print("would requeue \(what)"); return }
            if !yes && isatty(0) == 1 {
                Output.write(Data("Requeue \(what)? [y/N] ".utf8), to: .standardError)
                guard let answer = readLine(), answer.lowercased().hasPrefix("y") else { throw CLIError("nothing requeued") }
            }
            let n = try await jobQueue.requeueFailed(queue: queue, filter: filter)
            print("requeued \(n) job\(n == 1 ? "" : "s")")
            return
        }
        if let fromStep, let id = ids.first {
            let outcome = try await RequeueFromStep.requeue(id, fromStep: fromStep, on: jobQueue)
            guard outcome.done else { throw CLIError(outcome.message) }
            print(outcome.message)
            return
        }
        var failures = 0
        for id in ids {
            let outcome = try await jobQueue.requeue(id: id).outcome(id)
            if outcome.done { print(outcome.message) } else { printError(outcome.message); failures += 1 }
        }
        if failures > 0 { throw ExitCode(1) }
    }
}
