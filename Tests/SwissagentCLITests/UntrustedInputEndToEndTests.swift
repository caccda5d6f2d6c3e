import AgentCore
import Foundation
import HTTPClient
import Redis
import RedisQueue
import RedisTestSupport
import TestServers
import Testing

/// Nothing from outside is trusted, end to end: a job's fixed-set fields, a model server that
/// quotes the key back or sends escape sequences, and commands bigger than argv takes.
@Suite struct UntrustedInputEndToEndTests {
    static let key = "sk-echoed-back-e2e-91c2d3e4f5"
    let tokens = ["SWISSAGENT_API_TOKENS": "tok-acme=acme,tok-root=ops:admin"]

    func shellJob(residency: String) -> String {
        #"{"residency":"\#(residency)","steps":[{"tool":"shell","input":{"command":"true"}}]}"#
    }

    @Test func aMistypedResidencyIsRefusedAtEveryDoor() async throws {
        let cli = try CLI()
        let api = try await APIProcess(cli, env: tokens)
        defer { api.worker.signal(SIGTERM) }
        for value in ["Local-Only", "local_only", "LOCAL-ONLY", " local-only", "local", "eu-only"] {
            let submit = try await cli.run("submit", "-", stdin: shellJob(residency: value))
            #expect(submit.status != 0 && submit.stderr.contains("residency: expected one of any, local-only"), "\(value): \(submit.stderr)")
            let batch = try await cli.run("submit", "-", stdin: "[\(shellJob(residency: "any")), \(shellJob(residency: value))]")
            #expect(batch.status != 0 && batch.stderr.contains("expected one of any, local-only"), "\(value): \(batch.stderr)")
            let (status, body, _) = try await api.call("POST", "/v1/jobs", body: shellJob(residency: value))
            let message = (body["error"] as? [String: Any])?["message"] as? String ?? ""
            #expect(status == 400 && message.contains("expected one of any, local-only"), "\(value): \(status) \(body)")
        }
        let queue = RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix)
        #expect(try await queue.stats(queue: "default").pending == 0, "a refused job was stored")
        #expect(try await cli.run("submit", "-", stdin: shellJob(residency: "local-only")).status == 0)

        // A record stored with a value no one can read is not copied into a new job either.
        let id = try await queue.enqueue(JobSpec(steps: [StepSpec(tool: "shell", input: ["command": "true"])]))
        try await queue.client.send(["HSET", Keys(prefix: cli.prefix).queue("default").job(id), "spec", shellJob(residency: "eu-only")]).orThrow()
        let copy = try await cli.run("jobs", "copy", id)
        #expect(copy.status != 0 && copy.stderr.contains("expected one of any, local-only"), "\(copy.stdout) \(copy.stderr)")
        try await cli.cleanup()
    }

    /// A record whose residency cannot be read (written by hand, or by an older version) is local-only:
    /// the worker keeps it from an external model endpoint, never the other way round.
    @Test func aStoredUnknownResidencyIsTheStrictest() async throws {
        let session = try ChatSession()
        try await session.script([["text": "I should never be asked."]])
        let cli = try CLI()
        let queue = RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix)
        let id = try await queue.enqueue(JobSpec(task: "Summarise the customer records.", maxAttempts: 1))  // no worker yet: it waits
        try await queue.client.send(["HSET", Keys(prefix: cli.prefix).queue("default").job(id), "spec",
                                     #"{"residency":"Local-Only","task":"Summarise the customer records.","max_attempts":1}"#]).orThrow()
        let worker = try WorkerProcess(cli, ["--concurrency", "1"],
                                       env: ["SWISSAGENT_LLM_URL": session.baseURL, "SWISSAGENT_LLM_MODEL": "m", "SWISSAGENT_LLM_RESIDENCY": "external"])
        defer { worker.signal(SIGTERM) }
        #expect(try await waitUntil(seconds: 60) { try await queue.job(id: id)?.state.isTerminal ?? false }, "\(worker.output)")
        let job = try #require(try await queue.job(id: id))
        #expect(job.state == .failed && job.lastError?.contains("local-only and model endpoint default") == true, "\(job.lastError ?? "")")
        #expect(try await session.requests().isEmpty)
        try await cli.cleanup()
    }

    /// A server that quotes the key back (with escape sequences besides): the job's error, its
    /// history, every surface that shows it, and the worker's log hold neither the key nor a raw escape.
    @Test func aModelServerThatEchoesTheKeyLeavesItNowhere() async throws {
        let session = try ChatSession()
        try await session.script([["echo_auth": "json", "status": 400]])
        let cli = try CLI()
        let env = ["SWISSAGENT_LLM_URL": session.baseURL, "SWISSAGENT_LLM_MODEL": "m", "SWISSAGENT_LLM_API_KEY": Self.key,
                   "SWISSAGENT_LLM_RESIDENCY": "in-cluster"]
        let worker = try WorkerProcess(cli, ["--concurrency", "1"], env: env)
        defer { worker.signal(SIGTERM) }
        let api = try await APIProcess(cli, env: tokens)
        defer { api.worker.signal(SIGTERM) }
        let queue = RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix)
        let id = try await queue.enqueue(JobSpec(task: "Anything.", maxAttempts: 1))
        #expect(try await waitUntil(seconds: 60) { try await queue.job(id: id)?.state.isTerminal ?? false }, "\(worker.output)")
        let job = try #require(try await queue.job(id: id))
        #expect(job.state == .failed && job.lastError?.contains("bad request: header Bearer [redacted]") == true, "\(job.lastError ?? "")")
        let (_, shownByAPI, _) = try await api.call("GET", "/v1/jobs/\(id)", token: "tok-root")
        let (_, failedByAPI, _) = try await api.call("GET", "/v1/jobs?state=failed", token: "tok-root")
        var seen = ["record": "\(job)", "history": "\(job.history)", "api": "\(shownByAPI)", "api failed": "\(failedByAPI)",
                    "worker log": worker.output]
        for args in [["jobs", "show", id], ["jobs", "show", id, "--json"], ["jobs", "list", "--state", "failed"]] {
            let r = try await cli.run(args)
            seen[args.joined(separator: " ")] = r.stdout + r.stderr
        }
        for (place, text) in seen {
            #expect(!text.contains(Self.key) && !text.contains("91c2d3e4f5"), "the key reached \(place): \(text)")
        }
        #expect(worker.output.contains("[redacted]"), "\(worker.output)")
        #expect(!worker.output.unicodeScalars.contains { $0.value == 0x1b || $0.value == 0x07 || (0x80...0x9f).contains($0.value) },
                "a raw control character reached the log: \(worker.output)")
        #expect(worker.output.contains(#"\x1b]52;c;cGF3bmVk\x07"#), "\(worker.output)")

        // `run --task` here, the key echoed inside a stream's error event.
        try await session.script([["echo_auth": "stream"], ["echo_auth": "stream"], ["echo_auth": "stream"], ["echo_auth": "stream"]])
        var here = try CLI(redisURL: "redis://127.0.0.1:1")
        here.extraEnv = ProcessInfo.processInfo.environment.merging(env) { _, new in new }
        let r = try await here.run("run", "--task", "Anything.")
        #expect(r.status != 0 && r.stderr.contains("upstream rejected Bearer [redacted]"), "\(r.stderr)")
        #expect(!(r.stdout + r.stderr).contains(Self.key))
        try await cli.cleanup()
    }

    /// A command far bigger than one argv string may be (128 KiB on Linux) runs: it goes to the
    /// sandbox through a file, never a command line.
    @Test func aHugeCommandRunsThroughAFile() async throws {
        let cli = try CLI()
        let command = ": " + String(repeating: "x", count: 400_000) + "; echo ran-it"
        let path = NSTemporaryDirectory() + "swissagent-huge-\(JobID.make()).json"
        let spec = JobSpec(steps: [StepSpec(tool: "shell", input: ["command": .string(command)])])
        try Data(spec.encoded()).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = try await cli.run("run", path)
        #expect(r.status == 0 && r.stdout == "ran-it\n", "\(r.stderr.suffix(500))")
    }

    /// `--approve shell` gates a bash code cell too: it runs a process as much as a command does.
    @Test func aShellRuleHoldsACodeCell() async throws {
        let cli = try CLI()
        let queue = RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix)
        let worker = try WorkerProcess(cli, ["--concurrency", "1", "--approve", "shell"])
        defer { worker.signal(SIGTERM) }
        let id = try await queue.enqueue(JobSpec(steps: [StepSpec(tool: "code", input: ["language": "bash", "source": "echo sidestepped"])],
                                                 maxAttempts: 1))
        #expect(try await waitUntil(seconds: 60) { try await queue.job(id: id)?.approval != nil }, "\(worker.output)")
        #expect(try await queue.job(id: id)?.approval?.reason == "code runs a process, and shell calls need approval")
        #expect(try await queue.lastOutput(id: id, count: 50).allSatisfy { !$0.text.contains("sidestepped\n") })
        try await cli.cleanup()
    }
}
