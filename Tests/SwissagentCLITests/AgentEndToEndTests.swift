import AgentCore
import Foundation
import HTTPClient
import Redis
import RedisQueue
import TestServers
import Testing

/// Task jobs through a real worker, Redis and the local sandbox, with a model server that speaks
/// Chat Completions over loopback (scripted per test).
@Suite struct AgentEndToEndTests {
    static let key = "sk-e2e-never-shown-4711"

    func env(_ session: ChatSession, residency: String) -> [String: String] {
        ["SWISSAGENT_LLM_URL": session.baseURL, "SWISSAGENT_LLM_MODEL": "test-model", "SWISSAGENT_LLM_API_KEY": Self.key,
         "SWISSAGENT_LLM_RESIDENCY": residency]
    }

    /// A models file with prices, and the key in a file of its own.
    func modelsFile(_ session: ChatSession, residency: String = "in-cluster") throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("models-" + session.name)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Self.key.write(to: dir.appendingPathComponent("key"), atomically: true, encoding: .utf8)
        let models = [["name": "local", "base_url": session.baseURL, "model": "test-model", "api_key_file": dir.appendingPathComponent("key").path,
                       "input_usd_per_million": 1.0, "output_usd_per_million": 2.0, "residency": residency] as [String: Any]]
        let path = dir.appendingPathComponent("models.json")
        try JSONSerialization.data(withJSONObject: models).write(to: path)
        return path.path
    }

    @Test func aTaskWritesAFileRunsCodeOnItReadsItBackAndAnswers() async throws {
        let session = try ChatSession()
        try await session.script([
            ["tool_calls": [["id": "c1", "name": "write_file", "arguments": #"{"path":"data.txt","content":"3\n4\n5\n"}"#]], "text": "Writing.",
             "input_tokens": 1000, "output_tokens": 100],
            ["tool_calls": [["id": "c2", "name": "code",
                             "arguments": #"{"language":"python","source":"print(sum(int(l) for l in open('data.txt')))"}"#]],
             "input_tokens": 1000, "output_tokens": 100],
            ["tool_calls": [["id": "c3", "name": "read_file", "arguments": #"{"path":"data.txt"}"#]], "input_tokens": 1000, "output_tokens": 100],
            ["tool_calls": [["id": "c4", "name": "finish", "arguments": #"{"answer":"The sum is 12."}"#]], "input_tokens": 1000, "output_tokens": 100],
        ])
        let cli = try CLI()
        let worker = try WorkerProcess(cli, ["--concurrency", "1", "--models-file", try modelsFile(session)])
        defer { worker.signal(SIGTERM) }
        let api = try await APIProcess(cli, env: ["SWISSAGENT_API_TOKENS": "tok-root=ops:admin"])
        defer { api.worker.signal(SIGTERM) }
        let (status, created, _) = try await api.call("POST", "/v1/jobs", token: "tok-root",
                                                      body: #"{"task":"Sum the numbers 3, 4 and 5 with a program.","max_attempts":1}"#)
        #expect(status == 201)
        let id = try #require(created["id"] as? String)
        let queue = RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix)
        #expect(try await waitUntil(seconds: 40) { try await queue.job(id: id)?.state.isTerminal ?? false })
        let job = try #require(try await queue.job(id: id))
        #expect(job.state == .succeeded, "\(job.lastError ?? "") \(worker.output)")
        #expect(job.result == "The sum is 12.")
        #expect(job.steps.map(\.tool) == ["write_file", "code", "read_file"] && job.steps.allSatisfy { $0.status == .succeeded })
        let requests = try await session.requests()
        #expect(requests.count == 4)
        func lastMessage(_ i: Int) -> String? {
            ((requests[safe: i]?["body"] as? [String: Any])?["messages"] as? [[String: Any]])?.last?["content"] as? String
        }
        #expect(lastMessage(2)?.contains("12") == true)
        #expect(lastMessage(3) == "3\n4\n5\n")

        // Usage: every turn's tokens, at the models file's prices ($1 and $2 per million).
        #expect(job.agent?.model == "local" && job.agent?.turns == 4 && job.agent?.inputTokens == 4000 && job.agent?.outputTokens == 400)
        #expect(abs((job.agent?.dollars ?? 0) - 0.0048) < 1e-9)
        // The transcript: every message as the model saw it, each call with its tokens.
        let transcript = try await queue.transcript(id: id)
        #expect(transcript.map(\.kind.rawValue) == ["system", "user", "model_call", "assistant", "tool_call", "call_started", "tool_result",
                                                    "model_call", "tool_call", "call_started", "tool_result",
                                                    "model_call", "tool_call", "call_started", "tool_result", "model_call", "tool_call"])
        #expect(transcript[1].text == "Sum the numbers 3, 4 and 5 with a program.")
        #expect(transcript.filter { $0.kind == .toolResult }.map(\.text) == ["", "12\n", "3\n4\n5\n"])
        #expect(transcript.allSatisfy { $0.at != nil } && transcript[2].inputTokens == 1000 && transcript[2].seconds != nil)

        // The same job from the CLI and the API, usage and transcript included.
        let shown = try #require(try await cli.json("jobs", "show", id, "--json") as? NSDictionary)
        let (_, fromAPI, _) = try await api.call("GET", "/v1/jobs/\(id)", token: "tok-root")
        #expect(shown == fromAPI as NSDictionary)
        let usage = try #require(fromAPI["usage"] as? [String: Any])
        #expect(usage["turns"] as? Int == 4 && usage["input_tokens"] as? Int == 4000 && usage["output_tokens"] as? Int == 400)
        #expect(usage["model"] as? String == "local" && abs((usage["model_usd"] as? Double ?? 0) - 0.0048) < 1e-9)
        #expect((fromAPI["transcript"] as? [[String: Any]])?.count == transcript.count)
        let text = try await cli.run("jobs", "show", id).stdout
        #expect(text.contains("4 turns · 4000 tokens in, 400 out · $0.0048 · local") && text.contains("transcript:"), "\(text)")

        // The output stream: typed agent events and the model's words, as `submit --wait` shows them.
        let events = try await queue.readOutput(id: id, after: "", limit: 1000, wait: 0)
        #expect(events.filter { $0.stream == .agent }.count == transcript.count)
        #expect(events.filter { $0.stream == .model }.map(\.text).joined() == "Writing.\n")
        let output = events.map(\.shown).joined()
        #expect(output.contains("agent calls code") && output.contains("12\n") && output.contains("agent turn 4: 1000 tokens in, 100 out"))
        let sse = try await HTTPClient().send(HTTPRequest("GET", api.base + "/v1/jobs/\(id)/output", headers: [("Authorization", "Bearer tok-root")]))
        let body = String(decoding: sse.body, as: UTF8.self)
        #expect(body.contains("event: agent\ndata: {") && body.contains(#""kind":"tool_call""#) && body.contains("event: end"))

        // Metrics: tokens, dollars and call latency per queue and model.
        let metrics = String(decoding: try await HTTPClient().send(HTTPRequest("GET", api.base + "/metrics")).body, as: UTF8.self)
        #expect(metrics.contains(#"swissagent_model_tokens_total{queue="default",model="local",direction="input"} 4000"#), "\(metrics)")
        #expect(metrics.contains(#"swissagent_model_tokens_total{queue="default",model="local",direction="output"} 400"#))
        #expect(metrics.contains(#"swissagent_model_dollars_total{queue="default",model="local"} 0.0048"#))
        #expect(metrics.contains(#"swissagent_model_call_duration_seconds_count{queue="default",model="local"} 4"#))

        // The key went to the model server, and nowhere else.
        #expect((requests.first?["headers"] as? [String: Any])?["authorization"] as? String == "Bearer " + Self.key)
        #expect(!worker.output.contains(Self.key) && !output.contains(Self.key) && !"\(job)".contains(Self.key))
        #expect(!"\(transcript)".contains(Self.key) && !"\(shown)".contains(Self.key) && !metrics.contains(Self.key))
        try await cli.cleanup()
    }

    /// `swissagent run --task`: the agent works here, its turns on stderr, its answer on stdout.
    @Test func runCarriesOutATaskHere() async throws {
        let session = try ChatSession()
        try await session.script([
            // What the sandbox's environment holds: never the key.
            ["tool_calls": [["id": "c1", "name": "shell", "arguments": #"{"command":"echo from-the-sandbox; env | grep -c sk-e2e || true"}"#]]],
            ["text": "It printed from-the-sandbox."],
        ])
        var cli = try CLI(redisURL: "redis://127.0.0.1:1")
        cli.extraEnv = ProcessInfo.processInfo.environment.merging(env(session, residency: "external")) { _, new in new }
        let r = try await cli.run("run", "--task", "Print something.")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "from-the-sandbox\n0\nIt printed from-the-sandbox.\n")
        #expect(r.stderr.contains("agent calls shell") && r.stderr.contains("── succeeded: 1 step in"))
        #expect(!r.stderr.contains(Self.key) && !r.stdout.contains(Self.key))
        let refused = try await cli.run("run", "--task", "x", "--model", "elsewhere")
        #expect(refused.status == 1 && refused.stderr.contains("no model endpoint named \"elsewhere\""))
        #expect(try await cli.run("run").status != 0)
    }

    /// An unknown tool and malformed arguments go back to the model as the call's error, and the
    /// job's own budget (under the worker's) ends it for good, saying which ran out.
    @Test func mistakesGoBackToTheModelAndTheBudgetEndsTheJob() async throws {
        let session = try ChatSession()
        try await session.script([
            ["tool_calls": [["id": "c1", "name": "launch_missiles", "arguments": "{}"]]],
            ["tool_calls": [["id": "c2", "name": "shell", "arguments": #"{"command": "echo ok"#]]],
            ["tool_calls": [["id": "c3", "name": "shell", "arguments": #"{"command":"echo ok"}"#]]],
            ["text": "never asked: the budget is 3 turns"],
        ])
        let cli = try CLI()
        let worker = try WorkerProcess(cli, ["--concurrency", "1", "--max-turns", "5"], env: env(session, residency: "in-cluster"))
        defer { worker.signal(SIGTERM) }
        let queue = RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix)
        var spec = JobSpec(task: "Say ok.", maxAttempts: 3)
        spec.budget = JobBudget(turns: 3)
        let id = try await queue.enqueue(spec)
        #expect(try await waitUntil(seconds: 60) { try await queue.job(id: id)?.state.isTerminal ?? false })
        let job = try #require(try await queue.job(id: id))
        #expect(job.state == .failed && job.attempts == 1 && job.lastError == "agent used its 3 turns without finishing", "\(job.lastError ?? "")")
        let results = try await queue.transcript(id: id).filter { $0.kind == .toolResult }.map(\.text)
        #expect(results.count == 3)
        #expect(results[0].hasPrefix("error: unknown tool \"launch_missiles\": use one of "))
        #expect(results[1].hasPrefix("error: the arguments of shell are not valid JSON"))
        #expect(results[2] == "ok\n" && job.steps.map(\.tool) == ["shell"])
        #expect(try await session.requests().count == 3)
        try await cli.cleanup()
    }

    @Test func aLocalOnlyTaskNeverReachesAnExternalEndpoint() async throws {
        let session = try ChatSession()
        try await session.script([["text": "I should never be asked."]])
        let cli = try CLI()
        let worker = try WorkerProcess(cli, ["--concurrency", "1"], env: env(session, residency: "external"))
        defer { worker.signal(SIGTERM) }
        let queue = RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix)
        let id = try await queue.enqueue(JobSpec(task: "Summarise the customer records.", residency: .localOnly, maxAttempts: 3))
        #expect(try await waitUntil(seconds: 60) { try await queue.job(id: id)?.state.isTerminal ?? false })
        let job = try #require(try await queue.job(id: id))
        #expect(job.state == .failed && job.attempts == 1)
        #expect(job.lastError?.contains("local-only and model endpoint default") == true, "\(job.lastError ?? "")")
        #expect(try await session.requests().isEmpty)
        try await cli.cleanup()
    }
}

extension Array {
    subscript(safe i: Int) -> Element? { i >= 0 && i < count ? self[i] : nil }
}
