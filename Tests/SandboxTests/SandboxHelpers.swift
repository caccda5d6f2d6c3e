import AgentCore
import Foundation
import Sandboxes
import TestServers

/// Collects a job's output and step records, for assertions.
final class RecordingObserver: JobObserver, @unchecked Sendable {
    // `@unchecked Sendable`: every field is only touched while holding `lock`.
    private let lock = NSLock()
    private var out: [(Int, OutputEvent.Stream, String)] = []
    private var records: [StepRecord] = []

    func output(step: Int, stream: OutputEvent.Stream, text: String) { lock.withLock { out.append((step, stream, text)) } }
    func steps(_ r: [StepRecord]) async { lock.withLock { records = r } }

    var stdout: String { lock.withLock { out.filter { $0.1 == .stdout }.map(\.2).joined() } }
    var stderr: String { lock.withLock { out.filter { $0.1 == .stderr }.map(\.2).joined() } }
    var steps: [StepRecord] { lock.withLock { records } }
}

struct SandboxRun {
    var error: JobFailure?
    var observer: RecordingObserver
    var stdout: String { observer.stdout }
    var stderr: String { observer.stderr }
}

/// Runs steps through the real Supervisor and the real bubblewrap sandbox.
func runSteps(_ steps: [StepSpec], env: [String: String] = [:], limits: ResourceLimits = ResourceLimits(wallSeconds: 20),
              allowNetwork: Bool = false, config: LocalSandboxConfig = LocalSandboxConfig(),
              timeout: Double? = nil) async throws -> SandboxRun {
    let provider = try LocalSandboxProvider(config: LocalSandboxConfig(workspaceRoot: config.workspaceRoot, allowNetwork: allowNetwork,
                                                                       uidBase: config.uidBase, interpreters: config.interpreters))
    let session = try await provider.open(jobID: "test-\(JobID.make())", env: env)
    let observer = RecordingObserver()
    let supervisor = Supervisor(router: .withBrowser, limits: limits, allowNetwork: allowNetwork)
    var spec = JobSpec(steps: steps, env: env)
    spec.timeoutSeconds = timeout
    var failure: JobFailure?
    do {
        try await supervisor.run(spec, steps: steps, in: session, observer: observer)
    } catch let f as JobFailure {
        failure = f
    }
    await session.close()
    return SandboxRun(error: failure, observer: observer)
}

func shell(_ command: String, timeout: Double? = nil, network: Bool? = nil, limits: StepLimits? = nil) -> StepSpec {
    StepSpec(tool: "shell", input: ["command": .string(command)], timeoutSeconds: timeout, network: network, limits: limits)
}

/// Processes left running under the sandbox uids (there must be none after a job).
func sandboxProcesses(uidBase: Int) -> [String] {
    let text = (try? TestProcess.runBlocking(["/bin/ps", "-eo", "uid=,stat=,args="], timeout: 10))?.text ?? ""
    return text.split(separator: "\n").map(String.init).filter { line in
        let parts = line.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, let uid = Int(parts[0]) else { return false }
        return uid >= uidBase && uid < uidBase + 256 && !parts[1].hasPrefix("Z")  // zombies await init's reaping, they hold nothing
    }
}
