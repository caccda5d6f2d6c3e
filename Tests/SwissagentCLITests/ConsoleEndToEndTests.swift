import AgentCore
import Foundation
import Redis
import RedisQueue
import RedisTestSupport
import TestServers
import Testing

/// The real binary in tmux, against a real Redis and a real worker.
@Suite(.serialized) struct ConsoleEndToEndTests {
    func console(_ cli: CLI, _ extra: [String] = [], width: Int = 120, height: Int = 40) throws -> Tmux {
        try Tmux([try CLI.binary.path, "console", "--refresh", "0.2"] + extra,
                 env: ["REDIS_URL": cli.redisURL, "SWISSAGENT_PREFIX": cli.prefix], width: width, height: height)
    }

    func shellJob(_ command: String, maxAttempts: Int = 1) -> JobSpec {
        JobSpec(steps: [StepSpec(tool: "shell", input: ["command": .string(command)])], maxAttempts: maxAttempts)
    }

    @Test func showsTheQueueRequeuesAFailedJobAndStreamsOutput() async throws {
        let cli = try CLI()
        let queue = RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix)
        _ = try await queue.enqueue(batch: (0..<7).map { _ in JobSpec(queue: "waiting", steps: [StepSpec(tool: "shell", input: ["command": "true"])]) })
        let failing = try await queue.enqueue(shellJob("echo doomed >&2; exit 7"))
        let tmux = try console(cli)
        defer { tmux.kill() }
        // The depth shown is Redis' depth.
        #expect(try await tmux.wait { $0.contains("waiting") && $0.range(of: #"waiting\s+7\s"#, options: .regularExpression) != nil }
            .range(of: #"waiting\s+7\s"#, options: .regularExpression) != nil)

        let worker = try WorkerProcess(cli, ["--concurrency", "2", "--lease", "2"])
        defer { worker.signal(SIGTERM) }
        #expect(try await waitUntil { try await queue.job(id: failing)?.state == .failed })

        // The failed job shows under failed, with its error.
        try tmux.send(":")
        try tmux.send("failed", "Enter")
        #expect(try await tmux.waitFor("step 1 (shell) exited with status 7"))
        #expect(try await tmux.waitFor(failing))

        // Requeue it from the console: the worker runs it again.
        try tmux.send("r")
        #expect(try await tmux.waitFor("Requeue job \(failing)?"))
        try tmux.send("y")
        #expect(try await tmux.waitFor("requeued 1 job"))
        #expect(try await waitUntil {
            let job = try await queue.job(id: failing)
            return job?.state == .failed && (job?.history.filter { $0.event == "claimed" }.count ?? 0) == 2
        })
        let again = try #require(try await queue.job(id: failing))
        #expect(again.history.map(\.event).contains("requeued"))
        #expect(again.history.filter { $0.event == "claimed" }.count == 2)

        // Output of a running job streams into the output view.
        let ticking = try await queue.enqueue(shellJob("for i in 1 2 3 4 5 6 7 8; do echo tick-$i; sleep 0.5; done"))
        #expect(try await waitUntil { try await queue.job(id: ticking)?.state == .active })
        try tmux.send(":")
        try tmux.send("tail \(ticking)", "Enter")
        #expect(try await tmux.waitFor("tick-1"))
        #expect(try await tmux.waitFor("tick-4"))
        try await cli.cleanup()
    }

    @Test func bannerWhileRedisIsAwayThenRecovers() async throws {
        let server = try RedisTestServer.start()
        defer { server.kill9() }
        let cli = try CLI(redisURL: server.url)
        _ = try await RedisJobQueue(client: try RedisClient(url: server.url), prefix: cli.prefix).enqueue(shellJob("true"))
        let tmux = try console(cli)
        defer { tmux.kill() }
        #expect(try await tmux.waitFor("default"))
        server.kill9()
        #expect(try await tmux.waitFor("Redis unreachable at 127.0.0.1:\(server.port)"))
        // The last data stays on screen meanwhile.
        #expect(try tmux.screen().contains("default"))
        try server.launch()
        let back = try await tmux.wait(seconds: 20) { !$0.contains("Redis unreachable") }
        #expect(!back.contains("Redis unreachable"))
        #expect(try await tmux.waitFor("redis 127.0.0.1:\(server.port) ✓"))
    }

    @Test func survivesResizeAndTinyTerminals() async throws {
        let cli = try CLI()
        _ = try await RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix).enqueue(shellJob("true"))
        let tmux = try console(cli, width: 80, height: 24)
        defer { tmux.kill() }
        #expect(try await tmux.waitFor("? help"))
        try tmux.resize(40, 10)
        #expect(try await tmux.wait { $0.split(separator: "\n").first?.contains("swissagent") == true && $0.contains("help") }.contains("help"))
        try tmux.resize(132, 43)
        #expect(try await tmux.waitFor("FAIL/m LAST 1h"))
        try tmux.send("?")
        #expect(try await tmux.waitFor("Everywhere"))
        try tmux.send("q")
        try tmux.send("q")
        let gone = try await waitUntil { !tmux.alive }
        #expect(gone)
        try await cli.cleanup()
    }

    @Test func readOnlyRefusesActions() async throws {
        let cli = try CLI()
        let queue = RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix)
        let id = try await queue.enqueue(shellJob("true"))
        let tmux = try console(cli, ["--read-only"])
        defer { tmux.kill() }
        #expect(try await tmux.waitFor("READ-ONLY"))
        // The banner can come before the queues do; Enter opens the selected queue, so wait for it.
        #expect(try await tmux.waitFor("default"))
        try tmux.send("Enter")
        #expect(try await tmux.waitFor(id))
        try tmux.send("d")
        #expect(try await tmux.waitFor("read-only: actions are disabled"))
        #expect(!(try tmux.screen().contains("Confirm")))
        try tmux.send("p")
        #expect(try await queue.job(id: id)?.state == .pending)
        try await cli.cleanup()
    }
}

@Suite(.serialized) struct ConsoleActionEndToEndTests {
    /// The console takes a worker's flags, and a job run here meets them: a step that asks for more
    /// memory than `--max-memory-mb` gets the cap; one that asks for nothing gets `--memory-mb`.
    @Test func runHereMeetsTheWorkersLimits() async throws {
        let cli = try CLI()
        let queue = RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix)
        var spec = JobSpec(steps: [StepSpec(tool: "shell", input: ["command": "echo as=$(ulimit -v)"], limits: StepLimits(memoryMB: 100_000))],
                           maxAttempts: 1)
        spec.id = "asks-for-more"
        _ = try await queue.enqueue(spec)
        let tmux = try Tmux([try CLI.binary.path, "console", "--refresh", "0.2", "--memory-mb", "200", "--max-memory-mb", "300"],
                            env: ["REDIS_URL": cli.redisURL, "SWISSAGENT_PREFIX": cli.prefix])
        defer { tmux.kill() }
        try tmux.send(":")
        try tmux.send("pending", "Enter")
        #expect(try await tmux.waitFor("asks-for-more"))
        try tmux.send("x")
        #expect(try await tmux.waitFor("here"))
        try tmux.send("y")
        #expect(try await tmux.waitFor("as=\(300 << 10)"), "the step runs under the console's --max-memory-mb")
        #expect(try await waitUntil { try await queue.job(id: "asks-for-more")?.state == .succeeded })
        try await cli.cleanup()
    }

    @Test func runHereAndEditInTheEditor() async throws {
        let cli = try CLI()
        let queue = RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix)
        var spec = JobSpec(steps: [StepSpec(tool: "shell", input: ["command": "echo from-the-console; exit 5"])], maxAttempts: 1)
        spec.id = "needs-a-fix"
        _ = try await queue.enqueue(spec)
        let claimed = try #require(try await queue.claim(queues: ["default"], worker: "w", lease: 30, wait: 0))
        _ = try await queue.fail(claimed.token, error: "step 1 (shell) exited with status 5", kind: .permanent)

        // An "editor" that fixes the command, as a person would in vi.
        let editor = NSTemporaryDirectory() + "swissagent-fake-editor-\(JobID.make()).sh"
        try "#!/bin/sh\nsed -i 's/exit 5/exit 0/' \"$1\"\n".write(toFile: editor, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: editor)
        let tmux = try Tmux([try CLI.binary.path, "console", "--refresh", "0.2"],
                            env: ["REDIS_URL": cli.redisURL, "SWISSAGENT_PREFIX": cli.prefix, "EDITOR": editor])
        defer { tmux.kill() }
        try tmux.send(":")
        try tmux.send("failed", "Enter")
        #expect(try await tmux.waitFor("needs-a-fix"))

        // x with a live worker on the queue: a copy runs here, in the local sandbox, its output
        // streaming in, and the worker never takes it (the copy is stored already claimed).
        let worker = try WorkerProcess(cli, ["--concurrency", "1"])
        defer { worker.signal(SIGTERM) }
        #expect(try await waitUntil { try await queue.workers().count == 1 })
        try tmux.send("x")
        #expect(try await tmux.waitFor("Run a copy of job needs-a-fix here"))
        try tmux.send("y")
        #expect(try await tmux.waitFor("from-the-console"))
        #expect(try await tmux.waitFor("a copy of needs-a-fix"))
        #expect(try await waitUntil { try await queue.stats(queue: "default").failed == 2 })
        let ran = try await queue.list(queue: "default", state: .failed, offset: 0, limit: 10).filter { $0.id != "needs-a-fix" }
        let copyHere = try #require(ran.first)
        let here = try #require(try await queue.job(id: copyHere.id))
        let claims = here.history.filter { $0.event == "claimed" }
        #expect(claims.count == 1 && claims.allSatisfy { $0.worker?.hasPrefix("console@") == true }, "\(here.history)")
        #expect(!worker.output.contains(here.id))
        worker.signal(SIGTERM)
        #expect(await worker.exitStatus(within: 10) == 0)
        try tmux.send("Escape")

        // E on the original's detail: the edited copy is queued; the original stays failed.
        try tmux.send(":")
        try tmux.send("job needs-a-fix", "Enter")
        #expect(try await tmux.waitFor("Job needs-a-fix"))
        try tmux.send("E")
        #expect(try await tmux.waitFor("queued the edited copy as"))
        let copies = try await queue.list(queue: "default", state: .pending, offset: 0, limit: 10)
        #expect(copies.count == 1)
        let copyID = try #require(copies.first).id
        let copy = try #require(try await queue.job(id: copyID))
        #expect(copy.specJSON.contains("exit 0"))
        #expect(copy.spec?.metadata["edited_from"] == "needs-a-fix")
        #expect(try await queue.job(id: "needs-a-fix")?.state == .failed)
        try await cli.cleanup()
    }
}

@Suite struct ConsoleFilterEndToEndTests {
    @Test func filterMatchesMetadataAndRegexes() async throws {
        let cli = try CLI()
        let queue = RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix)
        let acme = try await queue.enqueue(JobSpec(steps: [StepSpec(tool: "shell", input: ["command": "true"])],
                                                   metadata: ["customer": "acme"]))
        let other = try await queue.enqueue(JobSpec(steps: [StepSpec(tool: "shell", input: ["command": "true"])],
                                                    metadata: ["customer": "globex"]))
        var tenantJob = JobSpec(steps: [StepSpec(tool: "shell", input: ["command": "true"])])
        tenantJob.tenant = "initech"
        let initech = try await queue.enqueue(tenantJob)
        let tmux = try Tmux([try CLI.binary.path, "console", "--refresh", "0.2"],
                            env: ["REDIS_URL": cli.redisURL, "SWISSAGENT_PREFIX": cli.prefix])
        defer { tmux.kill() }
        try tmux.send(":")
        try tmux.send("pending", "Enter")
        #expect(try await tmux.waitFor(other))
        try tmux.send("/")
        try tmux.send("customer=ac.e", "Enter")
        let filtered = try await tmux.wait { !$0.contains(other) && $0.contains(acme) }
        #expect(filtered.contains(acme) && !filtered.contains(other))
        #expect(filtered.contains("1 match(es)"))
        // tenant:NAME keeps one tenant's jobs.
        try tmux.send("Escape")
        try tmux.send("/")
        try tmux.send("tenant:initech", "Enter")
        let byTenant = try await tmux.wait { $0.contains(initech) && !$0.contains(acme) }
        #expect(byTenant.contains(initech) && !byTenant.contains(acme) && !byTenant.contains(other), "\(byTenant)")
        try await cli.cleanup()
    }
}
