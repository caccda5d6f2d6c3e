import AgentCore
import Foundation
import Redis
import RedisQueue
import RedisTestSupport
import TestServers
import Testing

/// A `swissagent worker` process, as deployed.
final class WorkerProcess: @unchecked Sendable {
    // `@unchecked Sendable`: `process` is set in init and only read afterwards.
    let process: TestProcess
    let log: String

    init(_ cli: CLI, _ args: [String], env: [String: String] = [:], command: [String] = ["worker"], wrapper: [String] = []) throws {
        log = NSTemporaryDirectory() + "swissagent-worker-\(JobID.make()).log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        var e = ProcessInfo.processInfo.environment
        e["REDIS_URL"] = cli.redisURL
        e["SWISSAGENT_PREFIX"] = cli.prefix
        e["SWISSAGENT_ARTIFACTS"] = cli.artifacts
        for (k, v) in env { e[k] = v }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process = try TestProcess(wrapper + [try CLI.binary.path] + command + args, environment: e, stdin: TestProcess.devNull,
                                  stdout: handle.fileDescriptor, stderr: handle.fileDescriptor)
        try? handle.close()
    }

    func signal(_ sig: Int32) { process.signal(sig) }

    // A worker must never outlive its test, even one that failed half-way.
    deinit { process.signal(SIGKILL) }

    /// Waits for the process to end: its exit status (128 + n after signal n), nil if still running after `seconds`.
    func exitStatus(within seconds: Double) async -> Int32? { await process.exit(within: seconds) }

    var output: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }
}

@Suite(.serialized) struct WorkerProcessTests {
    func waitFor(_ queue: RedisJobQueue, _ id: String, _ states: Set<JobState>, seconds: Double = 30) async throws -> JobRecord? {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if let job = try await queue.job(id: id), states.contains(job.state) { return job }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await queue.job(id: id)
    }

    func shellJob(_ command: String) -> JobSpec { JobSpec(steps: [StepSpec(tool: "shell", input: ["command": .string(command)])]) }

    /// How many times the job's output has said `word` (once per attempt that got that far).
    func said(_ queue: RedisJobQueue, _ id: String, _ word: String) async throws -> Int {
        try await queue.lastOutput(id: id, count: 100).filter { $0.text.contains(word) }.count
    }

    /// The job is held by the test, not by a sleep: each attempt says "begin" and then waits for a
    /// file named `go` in its workspace, which the test makes only once the second worker runs it.
    @Test func aJobWhoseWorkerIsKilledIsFinishedByAnother() async throws {
        let cli = try CLI()
        let workspaces = NSTemporaryDirectory() + "swissagent-kill-test-\(JobID.make())"
        try FileManager.default.createDirectory(atPath: workspaces, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: workspaces) }
        let env = ["SWISSAGENT_WORKSPACES": workspaces]
        let queue = RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix)
        let id = try await queue.enqueue(shellJob("echo begin; until [ -e go ]; do sleep 0.1; done; echo end"))
        let first = try WorkerProcess(cli, ["--concurrency", "1", "--lease", "1"], env: env)
        #expect(try await waitUntil(seconds: 60) { try await said(queue, id, "begin") == 1 }, "\(first.output)")
        first.signal(SIGKILL)
        _ = await first.exitStatus(within: 10)
        #expect(first.process.termination == .signaled(SIGKILL), "the first worker was not killed: \(first.output)")
        #expect(try await queue.job(id: id)?.state == .active)
        let second = try WorkerProcess(cli, ["--concurrency", "1", "--lease", "1"], env: env)
        #expect(try await waitUntil(seconds: 60) { try await said(queue, id, "begin") == 2 }, "\(second.output)")
        // Every workspace of the job (the dead worker's may still be there) gets its file.
        let fm = FileManager.default
        for owner in (try? fm.contentsOfDirectory(atPath: workspaces)) ?? [] {
            for dir in (try? fm.contentsOfDirectory(atPath: workspaces + "/" + owner)) ?? [] where dir.hasPrefix(id) {
                fm.createFile(atPath: "\(workspaces)/\(owner)/\(dir)/work/go", contents: Data())
            }
        }
        let done = try #require(try await waitFor(queue, id, [.succeeded, .failed], seconds: 60))
        let story = "history: \(done.history.map { "\($0.event) \($0.worker ?? "")" })\nfirst: \(first.output)\nsecond: \(second.output)"
        #expect(done.state == .succeeded, "\(story)")
        #expect(done.orphaned == 1, "\(story)")
        #expect(done.history.map(\.event).contains("orphaned"), "\(story)")
        second.signal(SIGTERM)
        #expect(await second.exitStatus(within: 10) == 0)
        try await cli.cleanup()
    }

    @Test func noneOf200JobsIsLostWhileWorkersAreKilledAtRandom() async throws {
        let cli = try CLI()
        let queue = RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix)
        let ids = try await queue.enqueue(batch: (0..<200).map { shellJob("sleep 0.1; echo job \($0)") })
        let args = ["--concurrency", "4", "--lease", "1", "--grace", "1"]
        var workers = try (0..<3).map { _ in try WorkerProcess(cli, args) }
        let start = ContinuousClock.now
        var kills = 0
        // Until all 200 are done (a loaded machine takes its time; the deadline only ends a broken run).
        while ContinuousClock.now - start < .seconds(600) {
            let stats = try await queue.stats(queue: "default")
            if stats.succeeded == 200 { break }
            if kills < 12 {
                try await Task.sleep(for: .milliseconds(Int.random(in: 300...700)))
                let victim = Int.random(in: 0..<workers.count)
                workers[victim].signal(SIGKILL)
                _ = await workers[victim].exitStatus(within: 5)
                workers[victim] = try WorkerProcess(cli, args)
                kills += 1
            } else {
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        for w in workers { w.signal(SIGTERM) }
        for w in workers { _ = await w.exitStatus(within: 60) }
        let stats = try await queue.stats(queue: "default")
        #expect(stats.succeeded == 200)
        #expect(stats.pending == 0 && stats.active == 0 && stats.failed == 0 && stats.retrying == 0)
        var orphaned = 0
        for id in ids {
            let job = try #require(try await queue.job(id: id))
            #expect(job.state == .succeeded)
            orphaned += job.orphaned
        }
        #expect(kills > 0)
        #expect(orphaned > 0, "the kills should have hit running jobs")
        try await cli.cleanup()
    }

    @Test func theHealthFileSaysOkWhileTheWorkerBeats() async throws {
        let cli = try CLI()
        let file = NSTemporaryDirectory() + "swissagent-health-\(JobID.make())"
        defer { try? FileManager.default.removeItem(atPath: file) }
        let worker = try WorkerProcess(cli, ["--health-file", file])
        #expect(try await waitUntil(seconds: 60) { (try? String(contentsOfFile: file, encoding: .utf8)) == "ok\n" }, "\(worker.output)")
        // The probe in k8s/worker.yaml, as the pod runs it.
        let probe = try await TestProcess.run(["/bin/sh", "-c", "test -n \"$(find \"$0\" -newermt '-30 seconds')\" && grep -qx ok \"$0\"", file])
        #expect(probe.status == 0)
        worker.signal(SIGTERM)
        #expect(await worker.exitStatus(within: 60) == 0)
        try await cli.cleanup()
    }

    @Test func sigtermLetsRunningJobsFinish() async throws {
        let cli = try CLI()
        let queue = RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix)
        let id = try await queue.enqueue(shellJob("echo started; sleep 1; echo finished"))
        let worker = try WorkerProcess(cli, ["--concurrency", "1", "--grace", "60"])
        #expect(try await waitUntil(seconds: 60) { try await said(queue, id, "started") == 1 }, "\(worker.output)")
        worker.signal(SIGTERM)
        #expect(await worker.exitStatus(within: 90) == 0)
        #expect(try await queue.job(id: id)?.state == .succeeded)
        #expect(worker.output.contains("worker shutting down"))
        try await cli.cleanup()
    }

    @Test func sigtermPastTheGracePeriodReturnsJobsToPending() async throws {
        let cli = try CLI()
        let queue = RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix)
        let id = try await queue.enqueue(shellJob("echo started; sleep 600"))
        let worker = try WorkerProcess(cli, ["--concurrency", "1", "--grace", "0.5"])
        #expect(try await waitUntil(seconds: 60) { try await said(queue, id, "started") == 1 }, "\(worker.output)")
        worker.signal(SIGTERM)
        #expect(await worker.exitStatus(within: 60) == 0)
        let job = try #require(try await queue.job(id: id))
        #expect(job.state == .pending)
        #expect(job.history.last?.event == "released")
        try await cli.cleanup()
    }

    @Test func aWorkerWithoutBubblewrapRefusesToStart() async throws {
        let cli = try CLI()
        let worker = try WorkerProcess(cli, [], env: ["SWISSAGENT_BWRAP": "/nonexistent/bwrap"])
        #expect(await worker.exitStatus(within: 60) == 1)
        #expect(worker.output.contains("bubblewrap (bwrap) is not installed, and the local sandbox needs it: apt-get install -y bubblewrap"))
    }

    @Test func runExecutesAJobLocallyWithoutRedis() async throws {
        let cli = try CLI(redisURL: "redis://127.0.0.1:1")
        let ok = try await cli.run("run", "-", stdin: #"{"steps":[{"tool":"shell","input":{"command":"echo hi"}},{"tool":"code","input":{"language":"python","source":"print(6*7)"}}]}"#)
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout == "hi\n42\n")
        #expect(ok.stderr.contains("── step 1/2: shell echo hi"))
        #expect(ok.stderr.contains("── succeeded: 2 steps in"))
        let bad = try await cli.run("run", "-", stdin: #"{"steps":[{"tool":"shell","input":{"command":"exit 4"}}]}"#)
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("step 1 (shell) exited with status 4"))
    }
}
