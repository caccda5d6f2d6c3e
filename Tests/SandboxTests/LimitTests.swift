import AgentCore
import Foundation
import Sandboxes
import TestServers
import Testing

/// Every limit stops its runaway, says which limit it was, and leaves no process behind.
@Suite(.serialized) struct LimitTests {
    let config = LocalSandboxConfig(uidBase: 700_000 + Int(getpid() % 1000) * 256)

    func expectNothingLeft() async throws {
        // The pid namespace dies with bwrap; give the kernel a moment to finish tearing it down.
        _ = try await waitUntil(seconds: 60) { sandboxProcesses(uidBase: config.uidBase).isEmpty }
        #expect(sandboxProcesses(uidBase: config.uidBase).isEmpty, "\(sandboxProcesses(uidBase: config.uidBase))")
    }

    @Test func aForkBombIsStoppedByTheProcessLimit() async throws {
        let run = try await runSteps([shell("true"), StepSpec(tool: "code", input: ["language": "bash", "source": "f(){ f|f& }; f; sleep 600"])],
                                     limits: ResourceLimits(wallSeconds: 20, processes: 64), config: config)
        #expect(run.error?.description == "step 2 exceeded its 64-process limit")
        #expect(run.error?.kind == .permanent)
        try await expectNothingLeft()
    }

    @Test func aMemoryHogIsStoppedByTheMemoryLimit() async throws {
        let run = try await runSteps([StepSpec(tool: "code", input: ["language": "python", "source": "x = bytearray(1 << 30)"])],
                                     limits: ResourceLimits(wallSeconds: 20, memoryMB: 256), config: config)
        #expect(run.error?.description == "step 1 exceeded its 256 MB memory limit")
        try await expectNothingLeft()
    }

    @Test func anInfiniteLoopIsStoppedByTheTimeLimit() async throws {
        let start = ContinuousClock.now
        let run = try await runSteps([shell("echo start; while true; do :; done", timeout: 5)], config: config)
        #expect(run.error?.description == "step 1 exceeded its 5 s time limit")
        #expect(run.error?.kind == .retryable)
        #expect(run.stdout == "start\n")
        #expect(ContinuousClock.now - start < .seconds(60))
        #expect(run.observer.steps.first?.status == .failed)
        try await expectNothingLeft()
    }

    @Test func aCPUHogIsStoppedByTheCPULimit() async throws {
        let run = try await runSteps([shell("while true; do :; done")], limits: ResourceLimits(wallSeconds: 20, cpuSeconds: 1),
                                     config: config)
        #expect(run.error?.description == "step 1 exceeded its 1 s CPU time limit")
        try await expectNothingLeft()
    }

    @Test func aGigabyteOfOutputIsStoppedByTheOutputLimit() async throws {
        let run = try await runSteps([shell("yes 'a line of output' | head -c 1000000000")],
                                     limits: ResourceLimits(wallSeconds: 60, outputBytes: 1 << 20), config: config)
        #expect(run.error?.description == "step 1 exceeded its 1048576-byte output limit")
        #expect(run.stdout.utf8.count == 1 << 20)
        try await expectNothingLeft()
    }

    @Test func theWholeJobHasATimeLimitToo() async throws {
        let run = try await runSteps([shell("sleep 0.5"), shell("sleep 30")], config: config, timeout: 2)
        #expect(run.error?.description == "job exceeded its 2 s time limit")
        try await expectNothingLeft()
    }

    @Test func cancellingKillsTheCommandAtOnce() async throws {
        let provider = try LocalSandboxProvider(config: config)
        let session = try await provider.open(jobID: "cancel-test", env: [:])
        let started = ReceivedBytes()
        let task = Task {
            try await session.exec(ExecRequest(argv: ["/bin/sh", "-c", "echo started; exec sleep 600"], limits: ResourceLimits(wallSeconds: 900))) { _, text in
                started.add(Data(text.utf8))
            }
        }
        #expect(try await waitUntil(seconds: 60) { started.text == "started\n" })
        let start = ContinuousClock.now
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(ContinuousClock.now - start < .seconds(30))
        await session.close()
        try await expectNothingLeft()
    }
}

@Suite struct BadInputTests {
    @Test func unknownToolsAndBadInputFailAtOnceAndForGood() async throws {
        let unknown = try await runSteps([StepSpec(tool: "browser", input: [:])])
        #expect(unknown.error?.description == #"step 1: unknown tool "browser" (known: browser_click, browser_navigate, browser_navigate_back, browser_press_key, browser_snapshot, browser_take_screenshot, browser_type, browser_wait_for, code, read_file, shell, write_file)"#)
        #expect(unknown.error?.kind == .permanent)
        let bad = try await runSteps([StepSpec(tool: "shell", input: ["command": .number(3)])])
        #expect(bad.error?.description == "step 1: input.command must be a string")
        #expect(bad.error?.kind == .permanent)
        let language = try await runSteps([StepSpec(tool: "code", input: ["language": "cobol", "source": "x"])])
        #expect(language.error?.description == #"step 1: unknown language "cobol" (known: bash, node, python)"#)
    }

    @Test func aMissingInterpreterIsNamed() async throws {
        let config = LocalSandboxConfig(interpreters: ["python": ["/nonexistent/python3"]])
        let run = try await runSteps([StepSpec(tool: "code", input: ["language": "python", "source": "print(1)"])], config: config)
        #expect(run.error?.description == "step 1: python is not installed in the sandbox")
        #expect(run.error?.kind == .permanent)
    }

    @Test func aFailingCommandIsRetryable() async throws {
        let run = try await runSteps([shell("echo oops >&2; exit 3"), shell("echo never")])
        #expect(run.error?.description == "step 1 (shell) exited with status 3")
        #expect(run.error?.kind == .retryable)
        #expect(run.stderr == "oops\n")
        #expect(run.observer.steps.map(\.status) == [.failed, .skipped])
        #expect(run.observer.steps.first?.exitCode == 3)
    }
}
