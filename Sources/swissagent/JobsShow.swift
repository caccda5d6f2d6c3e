import AgentCore
import ArgumentParser
import CommandOptions
import Foundation

struct JobsShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one job: spec, state, attempts and history.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The job id.")
    var id: String

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let queue = try await global.makeQueue()
        guard let job = try await queue.job(id: id) else { throw CLIError("no job with id \(id)") }
        let transcript = try await queue.transcript(of: job)
        if json {
            output.json(WireModel.job(job, transcript: transcript).prettyJSON())
            return
        }
        var lines: [(String, String)] = [
            ("id", job.id), ("queue", job.queue), ("state", job.state.rawValue + (job.cancelRequested ? " (cancel requested)" : "")),
            ("attempts", "\(job.attempts)/\(job.maxAttempts)"), ("created", Format.timestamp(job.createdAt)),
            ("updated", Format.timestamp(job.updatedAt)),
        ]
        if job.orphaned > 0 { lines.append(("orphaned", "\(job.orphaned) time(s): a worker died or stalled holding it")) }
        if let d = job.finishedAt { lines.append(("finished", Format.timestamp(d))) }
        if let d = job.runAt, job.state == .retrying || job.state == .scheduled { lines.append(("runs at", Format.timestamp(d))) }
        if let w = job.worker, job.state == .active { lines.append(("worker", w)) }
        if let d = job.leaseUntil { lines.append(("lease until", Format.timestamp(d))) }
        if let sandbox = job.sandbox { lines.append(("sandbox", sandbox)) }
        if let bytes = job.artifactBytes { lines.append(("files", HumanText.bytes(bytes) + " in the artifact store (swissagent jobs files \(job.id))")) }
        if let s = job.sandboxSeconds {
            lines.append(("cost", String(format: "%.1f sandbox-seconds, about $%.5f", s, job.costUSD ?? 0)))
        }
        if let agent = UsageView(job, transcript: transcript).agentSummary { lines.append(("agent", agent)) }
        if let origin = ForkOrigin(job.digest.metadata["forked_from"]) { lines.append(("forked from", "\(origin.job) at turn \(origin.turn)")) }
        if let a = job.approval {
            lines.append(("waits for", "approval of step \(a.step + 1), \(a.summary) (\(a.reason)); call \(a.id); times out "
                          + Format.timestamp(a.deadline)))
        }
        if let e = job.lastError { lines.append(("error", e)) }
        if let r = job.result { lines.append(("result", r)) }
        for (k, v) in lines { output.say(k.padding(toLength: 12, withPad: " ", startingAt: 0) + v) }
        output.say("\nspec:")
        output.say((try? JSONValue.parse(Data(job.specJSON.utf8))).map { TerminalText.json($0.prettyJSON()) } ?? job.specJSON)
        if !transcript.isEmpty {
            output.say("\ntranscript:")
            for e in transcript { output.say(Self.transcriptLine(e)) }
        }
        output.say("\nhistory:")
        for e in job.history {
            var line = "  \(Format.timestamp(Date(timeIntervalSince1970: e.at / 1000)))  \(e.event)"
            if let a = e.attempt { line += " attempt \(a)" }
            if let w = e.worker, !w.isEmpty { line += " by \(w)" }
            if let by = e.by { line += " by \(by)" }
            if let n = e.note { line += " (\(n))" }
            if let err = e.error { line += ": \(err)" }
            output.say(line)
        }
    }

    /// Every entry, one paragraph each: what it is, then its text indented (cut, for a terminal).
    static func transcriptLine(_ e: TranscriptEntry) -> String {
        var head = "  " + e.kind.rawValue
        if let tool = e.tool { head += " " + tool }
        if e.kind == .modelCall { return "  " + e.line.trimmingCharacters(in: .newlines) }
        if e.text.isEmpty { return head }
        let body = ToolCalls.cut(e.text, limit: 2_000).split(separator: "\n", omittingEmptySubsequences: false).map { "      " + $0 }
        return ([head] + body).joined(separator: "\n")
    }
}
