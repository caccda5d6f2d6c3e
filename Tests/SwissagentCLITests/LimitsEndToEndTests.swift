import AgentCore
import Foundation
import Redis
import RedisQueue
import TestServers
import Testing

/// The worker's limits hold for `run`, the worker and the console alike: no job lifts them, and a
/// long step lives exactly as long as it runs (it once died after 5 s with the thread that spawned it).
@Suite struct LimitsEndToEndTests {
    func jobFile(_ json: String) throws -> String {
        let path = NSTemporaryDirectory() + "swissagent-job-\(JobID.make()).json"
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func aStepAskingForMoreMemoryGetsTheWorkersCapAndTheRecordSaysSo() async throws {
        let cli = try CLI()
        // Asks for 100 GB and a week; allocates 1 GiB under a 256 MB cap.
        let job = #"{"max_attempts":1,"steps":[{"tool":"code","timeout_s":604800,"limits":{"memory_mb":100000,"cpu_s":100000000,"output_bytes":1000000000000},"input":{"language":"python","source":"x = bytearray(1 << 30)"}}]}"#
        let r = try await cli.run("run", "--memory-mb", "256", "--step-timeout", "60", try jobFile(job))
        #expect(r.status == 1)
        #expect(r.stderr.contains("step 1 exceeded its 256 MB memory limit"), "\(r.stderr)")

        // Through a worker: the step's record shows the limits it ran under.
        let queue = RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix)
        let spec = try JobSpecParser().parse(Data(job.utf8))
        let id = try await queue.enqueue(spec)
        let worker = try WorkerProcess(cli, ["--concurrency", "1", "--memory-mb", "256", "--max-memory-mb", "512", "--step-timeout", "60"])
        defer { worker.signal(SIGKILL) }
        #expect(try await waitUntil(seconds: 60) { try await queue.job(id: id)?.state == .failed })
        let failed = try #require(try await queue.job(id: id))
        #expect(failed.lastError == "step 1 exceeded its 512 MB memory limit", "\(worker.output)")
        let limits = try #require(failed.steps.first?.limits)
        #expect(limits.memoryMB == 512)
        #expect(limits.wallSeconds == 60)
        #expect(limits.cpuSeconds == 300)
        #expect(limits.outputBytes == 4 << 20)
        try await cli.cleanup()
    }

    @Test func aCapBelowItsDefaultIsRefused() async throws {
        let cli = try CLI()
        let r = try await cli.run("run", "--memory-mb", "512", "--max-memory-mb", "256", "-", stdin: "{}")
        #expect(r.status != 0)
        #expect(r.stderr.contains("--max-memory-mb cannot be below --memory-mb (512)"), "\(r.stderr)")
    }

    static let longStep = "sleep 20; echo long-step-done"

    @Test func aTwentySecondStepSucceedsUnderRun() async throws {
        let cli = try CLI()
        let r = try await cli.run("run", try jobFile(#"{"steps":[{"tool":"shell","input":{"command":"\#(Self.longStep)"}}]}"#))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "long-step-done\n")
    }

    @Test func aTwentySecondStepSucceedsInAWorker() async throws {
        let cli = try CLI()
        let queue = RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix)
        let id = try await queue.enqueue(JobSpec(steps: [StepSpec(tool: "shell", input: ["command": .string(Self.longStep)])], maxAttempts: 1))
        let worker = try WorkerProcess(cli, ["--concurrency", "1"])
        defer { worker.signal(SIGKILL) }
        #expect(try await waitUntil(seconds: 120) { try await queue.job(id: id)?.state.isTerminal ?? false })
        let job = try #require(try await queue.job(id: id))
        #expect(job.state == .succeeded, "\(job.lastError ?? "") \(worker.output)")
        try await cli.cleanup()
    }

    @Test func aTwentySecondStepSucceedsWhenTheConsoleRunsItHere() async throws {
        let cli = try CLI()
        let queue = RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix)
        var spec = JobSpec(steps: [StepSpec(tool: "shell", input: ["command": .string(Self.longStep)])], maxAttempts: 1)
        spec.id = "long-one"
        _ = try await queue.enqueue(spec)
        let claimed = try #require(try await queue.claim(queues: ["default"], worker: "w", lease: 30, wait: 0))
        _ = try await queue.fail(claimed.token, error: "gave up", kind: .permanent)
        let tmux = try Tmux([try CLI.binary.path, "console", "--refresh", "0.2"],
                            env: ["REDIS_URL": cli.redisURL, "SWISSAGENT_PREFIX": cli.prefix])
        defer { tmux.kill() }
        try tmux.send(":")
        try tmux.send("failed", "Enter")
        #expect(try await tmux.waitFor("long-one"))
        try tmux.send("x")
        #expect(try await tmux.waitFor("Run a copy of job long-one here"))
        try tmux.send("y")
        let screen = try await tmux.wait(seconds: 120) { $0.contains("long-step-done") || $0.contains("signal") }
        #expect(screen.contains("long-step-done"), "\(screen)")
        // The output is on screen a moment before the copy's record says it succeeded.
        #expect(try await waitUntil(seconds: 60) {
            try await queue.list(queue: "default", state: .succeeded, offset: 0, limit: 10).count == 1
        }, "\(screen)")
        try await cli.cleanup()
    }
}
