import AgentCore
import Foundation
import Redis
import RedisQueue
import RedisTestSupport
import Testing

/// What a job (or anyone who can write to Redis) leaves in a record is untrusted: escape sequences
/// reach no operator's terminal raw, and numbers out of range crash nothing.
@Suite(.serialized) struct HostileRecordTests {
    static let esc = "\u{1b}]0;pwned\u{07}\u{1b}[2J\u{9b}31m"

    @Test func jobTextReachesTheTerminalWithItsControlCharactersVisible() async throws {
        let cli = try CLI()
        let spec = #"{"tenant":"t\u001b[2Jx","max_attempts":1,"metadata":{"note":"\u001b]0;pwned\u0007\u009b31m"},"steps":[{"tool":"shell","input":{"command":"printf 'out\\033[2J\\n'"}}]}"#
        let id = try await cli.run("submit", "-", stdin: spec).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let queue = RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix)
        let keys = Keys(prefix: cli.prefix).queue("default")
        try await queue.client.send(["HSET", keys.job(id), "error", "boom" + Self.esc]).orThrow()

        for args in [["jobs", "list"], ["jobs", "show", id], ["jobs", "show", id, "--json"], ["jobs", "list", "--json"]] {
            let r = try await cli.run(args)
            #expect(r.status == 0, "\(args): \(r.stderr)")
            #expect(!r.stdout.unicodeScalars.contains { $0.value == 0x1b || $0.value == 0x9b || $0.value == 0x07 }, "\(args): \(r.stdout)")
        }
        let shown = try await cli.run("jobs", "show", id)
        #expect(shown.stdout.contains(#"boom\x1b]0;pwned\x07\x1b[2J\x9b31m"#), "\(shown.stdout)")
        let json = try await cli.run("jobs", "show", id, "--json")
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(parsed["error"] as? String == "boom" + Self.esc)
        // --raw is for pipes: the bytes as stored.
        #expect(try await cli.run("jobs", "show", id, "--raw").stdout.contains("boom" + Self.esc))

        // A job's output through `run`, as a developer would see it.
        let path = NSTemporaryDirectory() + "swissagent-job-\(JobID.make()).json"
        try spec.write(toFile: path, atomically: true, encoding: .utf8)
        let run = try await cli.run("run", path)
        #expect(run.stdout == "out\\x1b[2J\n", "\(run.stdout)")
        #expect(try await cli.run("run", "--raw", path).stdout == "out\u{1b}[2J\n")
        try await cli.cleanup()
    }

    /// A record with numbers far out of range: every surface shows it (or "-") and lives on.
    @Test func numbersOutOfRangeCrashNoSurface() async throws {
        let cli = try CLI()
        let queue = RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix)
        _ = try await queue.enqueue(shellJob("true"))  // registers the queue
        let keys = Keys(prefix: cli.prefix)
        let q = keys.queue("default")
        let id = "huge-numbers"
        try await queue.client.send(["HSET", q.job(id), "spec", #"{"steps":[{"tool":"shell","input":{"command":"x"}}]}"#,
                                     "state", "failed", "created_at", "-1e300", "updated_at", "-1e300", "finished_at", "-1e300",
                                     "attempts", "1e300", "max_attempts", "-7", "orphaned", "99999999999999999999999",
                                     "claimed_at", "inf", "sandbox_seconds", "1e308", "cost_usd", "-inf", "error", "huge",
                                     "steps", #"[{"tool":"shell","status":"failed","seconds":1e300,"started_at":1e300,"output_bytes":5}]"#]).orThrow()
        try await queue.client.send(["RPUSH", q.history(id), #"{"at":1e300,"event":"claimed","attempt":3}"#,
                                     #"{"at":1000,"event":"failed","attempt":1}"#]).orThrow()
        try await queue.client.send(["ZADD", q.failed, "1e300", id]).orThrow()
        let worker = #"{"id":"w-huge","host":"h","pid":1,"started_at":1e300,"heartbeat_at":1e300,"queues":["default"],"concurrency":4,"current_jobs":[]}"#
        try await queue.client.send(["SET", keys.worker("w-huge"), worker, "EX", "60"]).orThrow()
        try await queue.client.send(["ZADD", keys.workers, "1e300", "w-huge"]).orThrow()

        let record = try #require(try await queue.job(id: id))
        #expect(record.createdAt == nil && record.updatedAt == nil && record.finishedAt == nil)
        #expect(record.attempts == 0 && record.sandboxSeconds == nil && record.costUSD == nil)
        #expect(record.history.map(\.event) == ["failed"])
        #expect(record.steps.first?.seconds == nil)
        #expect(try await queue.workers().isEmpty)

        for args in [["jobs", "list"], ["jobs", "show", id], ["jobs", "show", id, "--json"], ["jobs", "list", "--json"],
                     ["queues"], ["queues", "--json"]] {
            let r = try await cli.run(args)
            #expect(r.status == 0, "\(args): \(r.stderr)")
        }

        let api = try await APIProcess(cli, env: ["SWISSAGENT_API_TOKENS": "tok-root=ops:admin"])
        defer { api.worker.signal(SIGTERM) }
        for path in ["/v1/jobs/\(id)", "/v1/jobs?state=failed", "/v1/queues", "/metrics"] {
            let (status, _, _) = try await api.call("GET", path, token: "tok-root")
            #expect(status == 200, "\(path): \(api.worker.output)")
        }

        let tmux = try Tmux([try CLI.binary.path, "console", "--refresh", "0.2"],
                            env: ["REDIS_URL": cli.redisURL, "SWISSAGENT_PREFIX": cli.prefix])
        defer { tmux.kill() }
        try tmux.send(":")
        try tmux.send("failed", "Enter")
        #expect(try await tmux.waitFor(id))
        try tmux.send("Enter")
        #expect(try await tmux.waitFor("Job \(id)"))
        try tmux.send("Escape")
        try tmux.send(":")
        try tmux.send("workers", "Enter")
        // The workers screen has drawn (the hostile worker record read) before the test moves on.
        #expect(try await tmux.waitFor("HEARTBEAT"))
        try tmux.send(":")
        try tmux.send("failed", "Enter")
        let alive = try await tmux.waitFor(id)
        #expect(alive, "the console died: \((try? tmux.screen()) ?? "")")
        try await cli.cleanup()
    }
}
