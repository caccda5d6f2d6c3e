import AgentCore
import Artifacts
import Console
import Foundation
import Logging
import Operations
import Sandboxes
import TestServers
import Testing

/// The console's actions in this process over the memory queue (the contract suite holds it to
/// Redis's behaviour): what each does to the queue, and the line the person reads.
@Suite struct ActionRunnerTests {
    func shell(_ command: String, queue: String = "default") -> JobSpec {
        JobSpec(queue: queue, steps: [StepSpec(tool: "shell", input: ["command": .string(command)])], maxAttempts: 1)
    }

    /// A failed job, as a worker leaves one.
    func failed(_ queue: MemoryJobQueue, _ error: String) async throws -> String {
        let id = try await queue.enqueue(shell("false"))
        let claimed = try #require(try await queue.claim(id: id, worker: "w", lease: 30))
        _ = try await queue.fail(claimed.token, error: error, kind: .permanent)
        return id
    }

    @Test func requeueCancelDeleteAndPauseSayWhatTheyDid() async throws {
        let queue = MemoryJobQueue()
        let runner = ActionRunner(queue: queue, local: nil)
        let a = try await failed(queue, "exit 1: disk full"), b = try await failed(queue, "exit 2: timeout")
        let pending = try await queue.enqueue(shell("true"))
        let requeued = await runner.run(.requeue(ids: [a, pending]))
        #expect(requeued.message == "requeued 1 job; not: \(pending) is pending, not requeued" && !requeued.error)
        #expect(await runner.run(.requeueMatching(queue: "default", filter: "time.ut")).message == "requeued 1 failed job")
        #expect(try await queue.job(id: b)?.state == .pending)
        #expect(await runner.run(.cancel(id: a)).message == "cancelled \(a)")
        #expect(await runner.run(.delete(ids: [a, "gone"])).message == "deleted 1 job; not: no job with id gone")
        #expect(await runner.run(.pause(queue: "default")).message == "paused default")
        #expect(try await queue.stats(queue: "default").paused)
        #expect(await runner.run(.resume(queue: "default")).message == "resumed default")
        #expect(try await queue.stats(queue: "default").paused == false)
    }

    @Test func submitReadsABatchFileAndRefusesABadOneWhole() async throws {
        let queue = MemoryJobQueue()
        let runner = ActionRunner(queue: queue, local: nil)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("console-submit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = dir.appendingPathComponent("good.json"), bad = dir.appendingPathComponent("bad.json")
        let step = #"{"tool":"shell","input":{"command":"true"}}"#
        try Data(#"[{"id":"one","steps":[\#(step)]},{"id":"two","steps":[\#(step)]}]"#.utf8).write(to: good)
        try Data(#"[{"steps":[\#(step)]},{"steps":[{"tool":"nope"}]}]"#.utf8).write(to: bad)
        let submitted = await runner.run(.submit(path: good.path)).message
        #expect(submitted == "submitted 2 jobs: one, two")
        #expect(await runner.run(.submit(path: bad.path)).message.hasPrefix("invalid job [1]"))
        #expect(await runner.run(.submit(path: dir.appendingPathComponent("none.json").path)).message.hasPrefix("cannot read"))
        #expect(try await queue.stats(queue: "default").pending == 2)
    }

    @Test func anEditedCopyIsANewJobAndTheOriginalStays() async throws {
        let queue = MemoryJobQueue()
        let runner = ActionRunner(queue: queue, local: nil)
        let id = try await failed(queue, "exit 1")
        let edit = try #require(await runner.run(.editAndRequeue(id: id)).edit)
        #expect(edit.id == id && edit.spec.contains("\"false\""))
        let queued = await runner.run(.queueEdited(original: id, specText: edit.spec.replacingOccurrences(of: "\"false\"", with: "\"true\"")))
        let copy = try #require(queued.message.split(separator: " ").dropFirst(5).first.map(String.init))
        #expect(try await queue.job(id: copy)?.specJSON.contains("true") == true)
        #expect(try await queue.job(id: copy)?.specJSON.contains("edited_from") == true)
        #expect(try await queue.job(id: id)?.state == .failed)
    }

    @Test func approvalsNeedAReasonToDeny() async throws {
        let queue = MemoryJobQueue()
        let runner = ActionRunner(queue: queue, local: nil)
        let id = try await queue.enqueue(shell("echo hi"))
        let claimed = try #require(try await queue.claim(id: id, worker: "w", lease: 30))
        let request = ApprovalRequest(id: "c1", step: 0, tool: "shell", input: [:], network: false, reason: "shell", askedAt: 0, timeoutSeconds: 60)
        #expect(try await queue.askApproval(claimed.token, request: request))
        let denied = await runner.run(.deny(id: id, call: "c1", reason: "  "))
        #expect(denied.error && denied.message.hasPrefix("a denial needs a reason"))
        #expect(await runner.run(.approve(id: id, call: "c1")).message == "approved the call \(id) waits on")
    }

    @Test func runningHereWithoutASandboxSaysHowToGetOne() async throws {
        let outcome = await ActionRunner(queue: MemoryJobQueue(), local: nil).run(.runLocally(id: "x"))
        #expect(outcome.error && outcome.message.contains("bubblewrap"))
    }

    /// Run-here goes through the processor it is given: built from the worker's options, a step
    /// that asks for more memory than the worker's cap gets the cap, in a real sandbox.
    @Test func runHereRunsUnderTheWorkersLimitPolicy() async throws {
        let queue = MemoryJobQueue()
        var caps = ResourceLimits()
        caps.memoryMB = 300
        var defaults = caps
        defaults.memoryMB = 200
        var logger = Logger(label: "test.run-here")
        logger.logLevel = .critical
        let processor = JobProcessor(supervisor: Supervisor(policy: LimitPolicy(defaults: defaults, caps: caps)),
                                     sandboxes: SingleSandbox(try LocalSandboxProvider()), logger: logger)
        let here = RunHere(queue: queue, processor: processor)
        let runner = ActionRunner(queue: queue, local: here)
        var spec = shell("ulimit -v")
        spec.steps[0].limits = StepLimits(memoryMB: 100_000)
        let asking = try await queue.enqueue(spec)
        let plain = try await queue.enqueue(shell("ulimit -v"))
        let started = await runner.run(.runLocally(id: asking))
        #expect(!started.error && started.message == "running \(asking) here" && started.goTo == .output(id: asking))
        _ = await runner.run(.runLocally(id: plain))
        #expect(try await waitUntil {
            let a = try await queue.job(id: asking)?.state, b = try await queue.job(id: plain)?.state
            return a?.isTerminal == true && b?.isTerminal == true
        })
        func printed(_ id: String) async throws -> String {
            try await queue.readOutput(id: id, after: "", limit: 100, wait: 0).filter { $0.stream == .stdout }.map(\.text).joined()
        }
        #expect(try await printed(asking) == "\(300 << 10)\n", "asked for 100000 MB, capped at 300")
        #expect(try await printed(plain) == "\(200 << 10)\n", "asked for nothing, got the default")
        #expect(try await queue.job(id: asking)?.worker?.hasPrefix("console@") == true)
        // A finished job runs here as a copy; the original keeps its place.
        let again = await runner.run(.runLocally(id: asking))
        #expect(again.message.hasPrefix("running ") && again.message.hasSuffix(", a copy of \(asking)"))
    }

    /// A job run here keeps its files as a worker's do; the detail screen reads them and S saves the
    /// selected one here, never over a file that is there, under a name the job cannot steer.
    @Test func aJobsFilesAreListedOnItsDetailAndSavedHere() async throws {
        let queue = MemoryJobQueue()
        let scratch = NSTemporaryDirectory() + "console-files-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: scratch + "/saved", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let files = JobFiles(store: try FileArtifactStore(root: scratch + "/store"))
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let processor = JobProcessor(supervisor: Supervisor(), sandboxes: SingleSandbox(try LocalSandboxProvider()), logger: logger,
                                     keepers: ArtifactKeepers(store: files.store))
        let runner = ActionRunner(queue: queue, local: RunHere(queue: queue, processor: processor), files: files, directory: scratch + "/saved")
        let id = try await queue.enqueue(shell(#"mkdir -p out && printf 'report\n' > "out/$(printf 're\033]0;x\007port.txt')" && echo hi > a.txt"#))
        _ = await runner.run(.runLocally(id: id))
        #expect(try await waitUntil { try await queue.job(id: id)?.state.isTerminal == true })
        let job = try #require(try await queue.job(id: id))
        #expect(job.state == .succeeded)
        #expect((job.artifactBytes ?? 0) > 0)

        let source = DataSource(queue: queue)
        source.files = files
        try await source.refreshOnce(DataRequest(screen: .detail(id: id)))
        let data = source.snapshot.0
        let manifest = try #require(data.files?.manifest)
        #expect(manifest.files.map(\.path) == ["a.txt", "out/re\u{1b}]0;x\u{07}port.txt"])
        var state = ConsoleState()
        state.screen = .detail(id: id)
        let screen = Render.screen(state, data, width: 120, height: 60).text
        #expect(screen.contains("FILES · 2"))
        #expect(screen.contains("▸ a.txt"))
        #expect(!screen.contains("\u{1b}"), "a file name cannot drive the terminal")

        _ = Keymap.handle(.char("f"), &state, data, height: 60)
        #expect(state.selection == 1)
        let (_, action) = Keymap.handle(.char("S"), &state, data, height: 60)
        #expect(action == .saveFile(id: id, path: manifest.files[1].path))
        let saved = await runner.run(.saveFile(id: id, path: manifest.files[1].path))
        #expect(!saved.error, "\(saved.message)")
        let again = await runner.run(.saveFile(id: id, path: manifest.files[1].path))
        let written = try FileManager.default.contentsOfDirectory(atPath: scratch + "/saved").sorted()
        #expect(written.count == 2 && written.allSatisfy { $0.hasPrefix("swissagent-") && !$0.contains("/") && !$0.contains("\u{1b}") }, "\(written) \(again.message)")
        #expect(try String(contentsOfFile: scratch + "/saved/" + written[0], encoding: .utf8) == "report\n")
    }
}
