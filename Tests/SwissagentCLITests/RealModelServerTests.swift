import AgentCore
import Foundation
import Redis
import RedisQueue
import TestServers
import Testing

/// One task job end to end against a model server no one here wrote: llama-cpp-python's, serving
/// SmolLM2-135M-Instruct (scripts/test-llm installs both). A model this small chooses poorly; what
/// this proves is the protocol round trip: its tool call runs in the sandbox, the result goes back,
/// and the job ends with an answer or a budget failure, its whole transcript recorded.
@Suite struct RealModelServerTests {
    static let venv = TestPaths.repository.appendingPathComponent(".build-tools/llm")

    @Test func aTaskJobRunsAgainstLlamaCppPythonsServer() async throws {
        guard FileManager.default.fileExists(atPath: Self.venv.appendingPathComponent(".installed").path) else {
            Issue.record("the test model server is not installed: run scripts/test-llm")
            return
        }
        let server = try await PythonTestServer.start(
            script: TestPaths.repository.appendingPathComponent("Tests/TestServers/llama_server.py").path, name: "llama-cpp-python server",
            python: Self.venv.appendingPathComponent("bin/python").path, arguments: [Self.venv.appendingPathComponent("model.gguf").path])
        let cli = try CLI()
        let worker = try WorkerProcess(cli, ["--concurrency", "1", "--max-turns", "4"],
                                       env: ["SWISSAGENT_LLM_URL": server.base + "/v1", "SWISSAGENT_LLM_MODEL": "smollm2",
                                             "SWISSAGENT_LLM_RESIDENCY": "in-cluster"])
        defer { worker.signal(SIGTERM) }
        let queue = RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix)
        let id = try await queue.enqueue(JobSpec(task: "Run the shell command: echo hello-from-smollm", maxAttempts: 1))
        // The console follows it on the transcript screen while it runs.
        let tmux = try Tmux([try CLI.binary.path, "console"], env: ["REDIS_URL": cli.redisURL, "SWISSAGENT_PREFIX": cli.prefix])
        defer { tmux.kill() }
        #expect(try await tmux.waitFor("0 orphaned"))
        try tmux.send(":")
        try tmux.send("transcript \(id)", "Enter")
        #expect(try await tmux.waitFor("task: Run the shell command: echo hello-from-smollm", seconds: 60))
        #expect(try await waitUntil(seconds: 240) { try await queue.job(id: id)?.state.isTerminal ?? false })
        let job = try #require(try await queue.job(id: id))
        let transcript = try await queue.transcript(id: id)
        let story = transcript.map { "\($0.kind.rawValue) \($0.tool ?? ""): \($0.text.prefix(200))" }.joined(separator: "\n")

        // An answer, or a budget's end: never a protocol failure.
        let ended = job.state == .succeeded ? "answer" : job.lastError ?? ""
        #expect(ended == "answer" || ended.contains("without finishing") || ended.contains("malformed"), "\(ended)\n\(story)")
        // The server's own token counts, on the job and on every call.
        let calls = transcript.filter { $0.kind == .modelCall }
        #expect(!calls.isEmpty && calls.allSatisfy { ($0.inputTokens ?? 0) > 100 && !$0.text.contains("estimated") }, "\(story)")
        #expect(job.agent?.turns == calls.count && job.agent?.inputTokens == calls.reduce(0) { $0 + ($1.inputTokens ?? 0) })
        // Its tool call ran in the sandbox, and what that printed went back to it as the call's result.
        let ran = job.steps.filter { $0.status == .succeeded }
        #expect(!ran.isEmpty, "no tool call ran:\n\(story)")
        let results = transcript.filter { $0.kind == .toolResult }
        #expect(results.count >= job.steps.count && transcript.filter { $0.kind == .toolCall }.count >= job.steps.count, "\(story)")
        #expect(transcript.first?.kind == .system && transcript[safe: 1]?.text == "Run the shell command: echo hello-from-smollm")
        // The screen ends with the job's end and shows each turn with the server's own counts.
        #expect(try await tmux.waitFor(" · \(job.state.rawValue)"), "\((try? tmux.screen()) ?? "")")
        if let first = calls.first {
            try tmux.send("g")
            #expect(try await tmux.waitFor("turn 1 · \(first.inputTokens ?? 0) in, \(first.outputTokens ?? 0) out"), "\((try? tmux.screen()) ?? "")")
        }
        try await cli.cleanup()
        withExtendedLifetime(server) {}
    }
}
