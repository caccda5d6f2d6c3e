import AgentCore
import Foundation
import Redis
import RedisQueue
import TestServers
import Testing

/// End to end: the real binary, a real Redis, as someone at a terminal uses them.
@Suite struct CLITests {
    let job = #"{"queue":"default","steps":[{"tool":"shell","input":{"command":"echo hello"}}],"metadata":{"customer":"acme"}}"#

    @Test func submitPrintsTheIdAndTheJobCanBeShown() async throws {
        let cli = try CLI()
        let r = try await cli.run("submit", "-", stdin: job)
        #expect(r.status == 0)
        let id = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(id.count == 20)
        let shown = try #require(try await cli.json("jobs", "show", id, "--json") as? [String: Any])
        #expect(shown["state"] as? String == "pending")
        #expect((shown["spec"] as? [String: Any])?["queue"] as? String == "default")
        let human = try await cli.run("jobs", "show", id)
        #expect(human.stdout.contains("state       pending"))
        let list = try #require(try await cli.json("jobs", "list", "--state", "pending", "--json") as? [[String: Any]])
        #expect(list.map { $0["id"] as? String } == [id])
        let queues = try #require(try await cli.json("queues", "--json") as? [[String: Any]])
        #expect(queues.first?["pending"] as? Int == 1)
        #expect(try await cli.run("queues").stdout.contains("default"))
        try await cli.cleanup()
    }

    @Test func jobsCarryTheirTenantAndTheCLIFiltersByIt() async throws {
        let cli = try CLI()
        func submit(_ tenant: String, _ command: String) async throws -> String {
            let r = try await cli.run("submit", "-", stdin: #"{"tenant":"\#(tenant)","max_attempts":1,"steps":[{"tool":"shell","input":{"command":"\#(command)"}}]}"#)
            return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let a1 = try await submit("acme", "true"), a2 = try await submit("acme", "true"), g1 = try await submit("globex", "true")
        let acme = try #require(try await cli.json("jobs", "list", "--tenant", "acme", "--json") as? [[String: Any]])
        #expect(Set(acme.compactMap { $0["id"] as? String }) == [a1, a2])
        #expect(acme.allSatisfy { $0["tenant"] as? String == "acme" })
        let one = try #require(try await cli.json("jobs", "list", "--tenant", "acme", "--limit", "1", "--offset", "1", "--json") as? [[String: Any]])
        #expect(one.count == 1)
        #expect(try await cli.run("jobs", "list", "--tenant", "globex").stdout.contains(g1))
        #expect(try await cli.run("jobs", "list", "--tenant", "initech").stdout == "no jobs\n")
        // Fail all three, then requeue only globex's.
        let queue = RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix)
        for _ in 0..<3 {
            let c = try #require(try await queue.claim(queues: ["default"], worker: "w", lease: 30, wait: 0))
            _ = try await queue.fail(c.token, error: "boom", kind: .permanent)
        }
        let requeue = try await cli.run("jobs", "requeue", "--all-failed", "--tenant", "globex", "--yes")
        #expect(requeue.stdout == "requeued 1 job\n")
        #expect(try await queue.job(id: g1)?.state == .pending)
        #expect(try await queue.job(id: a1)?.state == .failed)
        // A copy is a new pending job with the same spec, saying where it came from.
        let copy = try await cli.run("jobs", "copy", a1, "--queue", "again").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let copied = try #require(try await queue.job(id: copy))
        #expect(copy != a1 && copied.state == .pending && copied.queue == "again")
        #expect(copied.spec?.metadata["copied_from"] == .string(a1) && copied.spec?.tenant == "acme")
        #expect(try await queue.job(id: a1)?.state == .failed)
        let missing = try await cli.run("jobs", "copy", "no-such-job")
        #expect(missing.status == 1 && missing.stderr.contains("no job no-such-job"))
        let matched = try #require(try await cli.json("jobs", "list", "--match", "copied_from=" + a1, "--json") as? [[String: Any]])
        #expect(matched.compactMap { $0["id"] as? String } == [copy])
        try await cli.cleanup()
    }

    @Test func invalidJobsAreRefusedWithTheReason() async throws {
        let cli = try CLI()
        let bad = try await cli.run("submit", "-", stdin: #"{"steps":[{"tool":"shell","input":{"command":42}}]}"#)
        #expect(bad.status != 0)
        #expect(bad.stderr == "Error: invalid job: steps[0].input.command: expected a string, got a number\n")
        let garbled = try await cli.run("submit", "-", stdin: "{nope")
        #expect(garbled.status != 0)
        #expect(garbled.stderr.hasPrefix("Error: invalid job: not valid JSON"))
        let unknown = try await cli.run("submit", "-", stdin: #"{"steps":[{"tool":"browser"}]}"#)
        #expect(unknown.stderr.contains(#"unknown tool "browser""#))
        // Nothing reached the queue.
        #expect(try await cli.run("queues").stdout.contains("no queues yet"))
        let missing = try await cli.run("submit", "/nonexistent/job.json")
        #expect(missing.status != 0 && missing.stderr == "Error: cannot read /nonexistent/job.json\n")
        try await cli.cleanup()
    }

    @Test func requeueCancelDeleteAndPause() async throws {
        let cli = try CLI()
        let id = try await cli.run("submit", "-", stdin: job).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        // Fail it the way a worker would.
        let queue = RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix)
        let claimed = try #require(try await queue.claim(queues: ["default"], worker: "w", lease: 30, wait: 0))
        _ = try await queue.fail(claimed.token, error: "exit status 3", kind: .permanent)

        #expect(try await cli.run("jobs", "requeue", "--all-failed", "--match", "nomatch", "--yes").stdout == "would requeue 0 failed jobs matching \"nomatch\"\n")
        #expect(try await cli.run("jobs", "requeue", "--all-failed", "--match", "acme", "--dry-run").stdout.contains("would requeue 1 failed job"))
        #expect(try await cli.run("jobs", "requeue", "--all-failed", "--match", "status 3", "--yes").stdout == "requeued 1 job\n")
        #expect(try await cli.run("jobs", "requeue", id).stderr == "\(id) is pending, not requeued\n")

        #expect(try await cli.run("queues", "pause", "default").stdout == "paused default\n")
        #expect(try await cli.run("queues").stdout.contains("PAUSED"))
        #expect(try await cli.run("queues", "resume", "default").status == 0)

        #expect(try await cli.run("jobs", "cancel", id).stdout == "cancelled \(id)\n")
        let again = try await cli.run("jobs", "cancel", id)
        #expect(again.status != 0 && again.stderr == "Error: \(id) is already cancelled\n")
        #expect(try await cli.run("jobs", "delete", id).stdout == "deleted \(id)\n")
        let gone = try await cli.run("jobs", "show", id)
        #expect(gone.status != 0 && gone.stderr == "Error: no job with id \(id)\n")
        try await cli.cleanup()
    }

    /// `| head` closes the pipe early: the command ends quietly, as a SIGPIPE would end it, not with a crash report.
    @Test func aReaderThatGoesAwayEndsTheCommandQuietly() async throws {
        let cli = try CLI()
        let queue = RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix)
        var spec = JobSpec(steps: [StepSpec(tool: "shell", input: ["command": "true"])])
        spec.metadata = ["big": .string(String(repeating: "x", count: 300_000))]
        let id = try await queue.enqueue(spec)
        let script = #"set -o pipefail; "$0" jobs show "$1" | head -c 10 > /dev/null; echo "status $?""#
        var env = ProcessInfo.processInfo.environment
        env["REDIS_URL"] = cli.redisURL
        env["SWISSAGENT_PREFIX"] = cli.prefix
        let r = try await TestProcess.run(["bash", "-c", script, CLI.binary.path, id], environment: env, timeout: 30)
        #expect(r.text == "status 141\n", "\(r.text)")
        #expect(r.stderr.isEmpty, "\(String(decoding: r.stderr, as: UTF8.self).prefix(300))")
        try await cli.cleanup()
    }

    @Test func unreachableRedisIsOneClearLine() async throws {
        let cli = try CLI(redisURL: "redis://127.0.0.1:1")
        let r = try await cli.run("queues")
        #expect(r.status != 0)
        #expect(r.stderr == "Error: cannot reach Redis at 127.0.0.1:1: connection refused\n")
        let bad = try await cli.run("queues", "--redis-url", "http://x")
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("unsupported scheme"))
    }

    @Test func benchRunsAndCleansUp() async throws {
        let cli = try CLI()
        let r = try await cli.bench("queue", "--jobs", "300", "--concurrency", "1", "--concurrency", "4", "--json")
        #expect(r.status == 0, "\(r.stderr)")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect((result["enqueue_per_s"] as? Double ?? 0) > 0)
        #expect((result["claim_ack_per_s"] as? [String: Any])?.keys.sorted() == ["1", "4"])
        let keys = try await RedisClient(url: cli.redisURL).call("KEYS", cli.prefix + "*").texts
        #expect(keys.isEmpty)
    }

    /// The agent bench runs its turns and tokens end to end (figures are for a release build; here,
    /// that it measures what it says and leaves nothing behind).
    @Test func benchAgentRunsAndCleansUp() async throws {
        let cli = try CLI()
        let r = try await cli.bench("agent", "--turns", "6", "--tokens", "5", "--gap-ms", "5", "--json")
        #expect(r.status == 0, "\(r.stderr)")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(result["turns"] as? Int == 5 && result["tokens"] as? Int == 5)
        let overhead = try #require((result["turn_overhead_ms"] as? [String: Any])?["p50"] as? Double)
        let latency = try #require((result["token_latency_ms"] as? [String: Any])?["p50"] as? Double)
        #expect(overhead > 0 && latency > 0)  // the figures themselves are the release build's, in `bench agent`
        #expect(try await RedisClient(url: cli.redisURL).call("KEYS", cli.prefix + "*").texts.isEmpty)
    }
}

@Suite struct SubmitWaitTests {
    @Test func waitFollowsTheJobToItsEnd() async throws {
        let cli = try CLI()
        let queue = RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix)
        // A consumer that does what a worker will: claim, write output, succeed.
        let consumer = Task {
            let job = try #require(try await queue.claim(queues: ["default"], worker: "w", lease: 30, wait: 120))
            try await queue.appendOutput(job.token, events: [OutputEvent(step: 0, stream: .stdout, text: "hello\n")])
            _ = try await queue.complete(job.token, result: nil)
        }
        let r = try await cli.run("submit", "--wait", "-", stdin: #"{"steps":[{"tool":"shell","input":{"command":"echo hello"}}]}"#)
        try await consumer.value
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasSuffix("hello\n"))
        #expect(r.stderr.contains("succeeded"))
        try await cli.cleanup()
    }
}
