import AgentCore
import ArgumentParser
import CommandOptions
import Foundation
import Logging
import Operations

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run one job here, in the local sandbox, without Redis; exit 0 only if it succeeded.",
        discussion: "Output streams to the terminal as it is produced (stdout to stdout, stderr to stderr), under a header per step. "
            + "With --task, an agent carries out the task on the configured model endpoint; its turns go to stderr, its answer to stdout.")

    @OptionGroup var sandbox: SandboxOptions
    @OptionGroup var models: ModelOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "A job JSON file, or - for standard input.")
    var file: String?

    @Option(help: "Run this free-text task as an agent job instead of a job file.")
    var task: String?

    @Option(help: "With --task: the model endpoint to use (a name from --models-file).")
    var model: String?

    func validate() throws {
        if (file == nil) == (task == nil) { throw ValidationError("give a job file or --task (not both)") }
        if model != nil && task == nil { throw ValidationError("--model goes with --task (a job file names its own \"model\")") }
    }

    func run() async throws {
        let spec: JobSpec
        do {
            if let task {
                var body: [String: JSONValue] = ["task": .string(task)]
                if let model { body["model"] = .string(model) }
                spec = try JobSpecParser().parse(.object(body))
            } else {
                spec = try JobSpecParser().parse(try readInput(file ?? "-"))
            }
        } catch let e as JobSpecError { throw CLIError("invalid job: \(e)") }
        // Here no one else could decide: a call that waits for approval needs a queue people watch.
        if let rules = spec.approve, !rules.isEmpty {
            throw CLIError("this job's calls wait for approval, which needs a queue: swissagent submit --wait, then approve from the console or jobs approve")
        }
        // The worker's own path (plan, open, supervise, close, acknowledge) on a queue in memory.
        let queue = MemoryJobQueue()
        var once = spec
        once.maxAttempts = 1
        once.runAt = nil
        let id = try await queue.enqueue(once)
        var logger = Logger(label: "swissagent.run")
        logger.logLevel = .critical
        let here = RunHere(queue: queue, processor: try sandbox.makeProcessor(router: try await sandbox.makeRouter(), models: models,
                                                                              approvals: nil, logger: logger),
                           worker: "run", lease: 3600)
        guard let outcome = try await here.run(id, watch: TerminalObserver(steps: spec.steps, output: output)) else {
            throw CLIError("could not take the job")
        }
        let seconds = String(format: "%.2f", outcome.seconds)
        if outcome.ack == .succeeded {
            let record = try await queue.job(id: id)
            let count = record?.steps.count ?? spec.steps.count
            output.warn("── succeeded: \(count) step\(count == 1 ? "" : "s") in \(seconds) s")
            // A task's answer is what it was run for: it goes to stdout.
            if spec.steps.isEmpty, let answer = record?.result { output.say(answer) }
        } else {
            output.warn("── failed after \(seconds) s: \(outcome.error ?? "unknown error")")
            throw ExitCode(1)
        }
    }
}

/// Prints each step's header when it starts, its output as it comes, and how it ended.
final class TerminalObserver: JobObserver, @unchecked Sendable {
    // `@unchecked Sendable`: `shown` is only touched while holding `lock`.
    private let lock = NSLock()
    private var shown: [StepRecord.Status]
    private let steps: [StepSpec]
    private let printer: OutputOptions

    init(steps: [StepSpec], output: OutputOptions) {
        self.steps = steps
        printer = output
        shown = steps.map { _ in .pending }
    }

    func opened(sandbox label: String) async { printError("── sandbox: \(label)") }

    func output(step: Int, stream: OutputEvent.Stream, text: String) {
        // The job's own output keeps its streams; the worker's notes (an agent's turns) go to stderr.
        printer.write(OutputEvent(step: step, stream: stream, text: text).shown, to: stream == .stdout ? .standardOutput : .standardError)
    }

    func steps(_ records: [StepRecord]) async {
        let changes: [(Int, StepRecord)] = lock.withLock {
            var out: [(Int, StepRecord)] = []
            for (i, r) in records.enumerated() where i < shown.count && shown[i] != r.status {
                shown[i] = r.status
                out.append((i, r))
            }
            return out
        }
        for (i, r) in changes {
            switch r.status {
            case .running:
                printError("── step \(i + 1)/\(records.count): " + (i < steps.count ? Self.describe(steps[i]) : r.tool))
            case .failed: printer.warn("── step \(i + 1) failed: \(r.error ?? "")")
            case .succeeded where (r.seconds ?? 0) >= 1: printError("── step \(i + 1) done in \(String(format: "%.2f", r.seconds ?? 0)) s")
            default: break
            }
        }
    }

    static func describe(_ step: StepSpec) -> String {
        let detail = step.input["command"]?.stringValue ?? step.input["path"]?.stringValue ?? step.input["language"]?.stringValue ?? ""
        return "\(step.tool) \(HumanText.oneLine(detail, max: 70))"
    }
}
