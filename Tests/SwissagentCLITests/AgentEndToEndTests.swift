import AgentCore
import Foundation
import RedisQueue
import RedisTestSupport
import Testing

/// Task jobs through a real worker, Redis and the local sandbox, with a model server that speaks
/// Chat Completions over loopback (scripted per test).
@Suite struct AgentEndToEndTests {
    static let key = "sk-e2e-never-shown-4711"

    func env(_ session: ChatSession, residency: String) -> [String: String] {
        ["SWISSAGENT_LLM_URL": session.baseURL, "SWISSAGENT_LLM_MODEL": "test-model", "SWISSAGENT_LLM_API_KEY": Self.key,
         "SWISSAGENT_LLM_RESIDENCY": residency]
    }

    @Test func aTaskWritesAFileRunsCodeOnItReadsItBackAndAnswers() async throws {
        let session = try ChatSession()
        try await session.script([
            ["tool_calls": [["id": "c1", "name": "write_file", "arguments": #"{"path":"data.txt","content":"3\n4\n5\n"}"#]], "text": "Writing."],
            ["tool_calls": [["id": "c2", "name": "code",
                             "arguments": #"{"language":"python","source":"print(sum(int(l) for l in open('data.txt')))"}"#]]],
            ["tool_calls": [["id": "c3", "name": "read_file", "arguments": #"{"path":"data.txt"}"#]]],
            ["tool_calls": [["id": "c4", "name": "finish", "arguments": #"{"answer":"The sum is 12."}"#]]],
        ])
        let cli = try CLI()
        let worker = try WorkerProcess(cli, ["--concurrency", "1"], env: env(session, residency: "in-cluster"))
        defer { worker.signal(SIGTERM) }
        let queue = RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix)
        let id = try await queue.enqueue(JobSpec(task: "Sum the numbers 3, 4 and 5 with a program.", maxAttempts: 1))
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
        let output = try await queue.readOutput(id: id, after: "", limit: 1000, wait: 0).map(\.text).joined()
        #expect(output.contains("agent calls code") && output.contains("12\n"))
        // The key went to the model server, and nowhere else.
        #expect((requests.first?["headers"] as? [String: Any])?["authorization"] as? String == "Bearer " + Self.key)
        #expect(!worker.output.contains(Self.key) && !output.contains(Self.key) && !"\(job)".contains(Self.key))
        try await cli.cleanup()
    }

    /// `swissagent run --task`: the agent works here, its turns on stderr, its answer on stdout.
    @Test func runCarriesOutATaskHere() async throws {
        let session = try ChatSession()
        try await session.script([
            ["tool_calls": [["id": "c1", "name": "shell", "arguments": #"{"command":"echo from-the-sandbox"}"#]]],
            ["text": "It printed from-the-sandbox."],
        ])
        var cli = try CLI(redisURL: "redis://127.0.0.1:1")
        cli.extraEnv = ProcessInfo.processInfo.environment.merging(env(session, residency: "external")) { _, new in new }
        let r = try await cli.run("run", "--task", "Print something.")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "from-the-sandbox\nIt printed from-the-sandbox.\n")
        #expect(r.stderr.contains("agent calls shell") && r.stderr.contains("── succeeded: 1 step in"))
        #expect(!r.stderr.contains(Self.key) && !r.stdout.contains(Self.key))
        let refused = try await cli.run("run", "--task", "x", "--model", "elsewhere")
        #expect(refused.status == 1 && refused.stderr.contains("no model endpoint named \"elsewhere\""))
        #expect(try await cli.run("run").status != 0)
    }

    @Test func aLocalOnlyTaskNeverReachesAnExternalEndpoint() async throws {
        let session = try ChatSession()
        try await session.script([["text": "I should never be asked."]])
        let cli = try CLI()
        let worker = try WorkerProcess(cli, ["--concurrency", "1"], env: env(session, residency: "external"))
        defer { worker.signal(SIGTERM) }
        let queue = RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix)
        let id = try await queue.enqueue(JobSpec(task: "Summarise the customer records.", residency: "local-only", maxAttempts: 3))
        #expect(try await waitUntil(seconds: 30) { try await queue.job(id: id)?.state.isTerminal ?? false })
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
