import AgentCore
import ArgumentParser
import Foundation
import Logging
import Sandboxes

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run one job here, in the local sandbox, without Redis; exit 0 only if it succeeded.",
        discussion: "Output streams to the terminal as it is produced (stdout to stdout, stderr to stderr), under a header per step.")

    @OptionGroup var sandbox: SandboxOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "A job JSON file, or - for standard input.")
    var file: String

    func run() async throws {
        let spec: JobSpec
        do { spec = try JobSpecParser().parse(try readInput(file)) } catch let e as JobSpecError { throw CLIError("invalid job: \(e)") }
        let router = try await sandbox.makeRouter()
        let steps: [StepSpec]
        let provider: any SandboxProvider
        do {
            provider = try router.provider(for: spec)
            steps = try await StepsPlanner().plan(spec)
        } catch let f as JobFailure { throw CLIError(f.description) }
        let observer = TerminalObserver(steps: steps, output: output)
        let session: any SandboxSession
        do { session = try await provider.open(jobID: spec.id ?? JobID.make(), env: spec.env) } catch let e as SandboxError {
            throw CLIError(e.description)
        }
        printError("── sandbox: \(session.label)")
        let start = ContinuousClock.now
        var failure: String?
        do {
            try await sandbox.supervisor.run(spec, steps: steps, in: session, observer: observer)
        } catch {
            failure = "\(error)"
        }
        await session.close()
        let seconds = (ContinuousClock.now - start).seconds
        let summary = failure.map { "failed after \(String(format: "%.2f", seconds)) s: \($0)" }
            ?? "succeeded: \(steps.count) step\(steps.count == 1 ? "" : "s") in \(String(format: "%.2f", seconds)) s"
        output.warn("── \(summary)")
        if failure != nil { throw ExitCode(1) }
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

    func output(step: Int, stream: OutputEvent.Stream, text: String) {
        printer.write(text, to: stream == .stderr ? .standardError : .standardOutput)
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
            case .running: printError("── step \(i + 1)/\(records.count): \(Self.describe(steps[i]))")
            case .failed: printer.warn("── step \(i + 1) failed: \(r.error ?? "")")
            case .succeeded where (r.seconds ?? 0) >= 1: printError("── step \(i + 1) done in \(String(format: "%.2f", r.seconds ?? 0)) s")
            default: break
            }
        }
    }

    static func describe(_ step: StepSpec) -> String {
        let detail = step.input["command"]?.stringValue ?? step.input["path"]?.stringValue ?? step.input["language"]?.stringValue ?? ""
        return "\(step.tool) \(Format.oneLine(detail, max: 70))"
    }
}
