import AgentCore
import Foundation
import Redis
import RedisQueue
import TestServers
import Testing

/// The transcript screen in tmux against a real Redis, a real worker and the Chat Completions test
/// server: a task job's turns show as the server streams them, before the job ends; and a task job
/// run here (`x`) is followed on its transcript, its model the console's own.
@Suite struct ConsoleTranscriptEndToEndTests {
    func llm(_ session: ChatSession) -> [String: String] {
        ["SWISSAGENT_LLM_URL": session.baseURL, "SWISSAGENT_LLM_MODEL": "test-model", "SWISSAGENT_LLM_API_KEY": "sk-transcript-test",
         "SWISSAGENT_LLM_RESIDENCY": "in-cluster"]
    }

    func task(_ id: String, _ text: String, queue: String = "default") -> JobSpec {
        var spec = JobSpec(queue: queue, task: text, maxAttempts: 1)
        spec.id = id
        spec.budget = JobBudget(turns: 5, tokens: 50_000)
        return spec
    }

    @Test func turnsShowAsTheyStreamAndARunHereIsFollowed() async throws {
        let remote = try ChatSession(), here = try ChatSession()
        try await remote.script([
            ["text": "Listing the files.", "tool_calls": [["id": "c1", "name": "shell", "arguments": #"{"command":"echo listed-by-the-worker"}"#]],
             "input_tokens": 700, "output_tokens": 30],
            ["text": "The answer is forty-two, said slowly so that the console can watch it come.", "split": 200, "hold_after": 10,
             "input_tokens": 900, "output_tokens": 40],
        ])
        try await here.script([
            ["text": "Checking here.", "tool_calls": [["id": "h1", "name": "shell", "arguments": #"{"command":"echo run-in-the-console"}"#]]],
            ["tool_calls": [["id": "h2", "name": "finish", "arguments": #"{"answer":"done here"}"#]]],
        ])
        let cli = try CLI()
        let queue = RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix)
        let worker = try WorkerProcess(cli, ["--concurrency", "1"], env: llm(remote))
        defer { worker.signal(SIGTERM) }
        let env = ["REDIS_URL": cli.redisURL, "SWISSAGENT_PREFIX": cli.prefix].merging(llm(here)) { a, _ in a }
        let tmux = try Tmux([try CLI.binary.path, "console", "--refresh", "0.2"], env: env)
        defer { tmux.kill() }
        #expect(try await tmux.waitFor("0 orphaned"))

        _ = try await queue.enqueue(task("tx-live", "Say the answer."))
        try tmux.send(":")
        try tmux.send("transcript tx-live", "Enter")
        #expect(try await tmux.waitFor("Transcript of tx-live"))
        #expect(try await tmux.waitFor("task: Say the answer.", seconds: 20), "\(worker.output)")
        #expect(try await tmux.waitFor("→ shell {\"command\":\"echo listed-by-the-worker\"}"))
        #expect(try await tmux.waitFor("← listed-by-the-worker"))
        #expect(try await tmux.waitFor("turn 1 · 700 in, 30 out"))
        // The second turn's words show while the model still writes them: part of the turn, with the
        // cursor. The server holds the stream half-way until the test has seen it.
        let partial = try await tmux.wait(seconds: 20) { $0.contains("The answer is forty") && $0.contains("▍") }
        #expect(partial.contains("The answer is forty") && partial.contains("▍") && !partial.contains("watch it come."), "\(partial)")
        try await remote.release()
        #expect(try await tmux.waitFor("watch it come.", seconds: 20))
        #expect(try await tmux.waitFor("turn 2 · 900 in, 40 out"))
        #expect(try await tmux.waitFor("· succeeded"))
        let done = try tmux.screen()
        #expect(done.components(separatedBy: "The answer is forty-two").count == 2, "the streamed turn shows once:\n\(done)")
        #expect(done.contains("turn 2/5 · 1670/50.0k tokens"), "\(done)")

        // A task job no worker reads, run here: the console follows its transcript, from the console's model.
        _ = try await queue.enqueue(task("tx-here", "Check it here.", queue: "manual"))
        try tmux.send(":")
        try tmux.send("pending manual", "Enter")
        #expect(try await tmux.waitFor("task: Check it here."))
        try tmux.send("x")
        #expect(try await tmux.waitFor("Take job tx-here and run it here"))
        try tmux.send("y")
        #expect(try await tmux.waitFor("Transcript of tx-here"))
        #expect(try await tmux.waitFor("← run-in-the-console", seconds: 30))
        #expect(try await waitUntil(seconds: 30) { try await queue.job(id: "tx-here")?.state == .succeeded })
        let ranHere = try #require(try await queue.job(id: "tx-here"))
        #expect(ranHere.result == "done here" && ranHere.worker?.hasPrefix("console@") == true, "\(ranHere.worker ?? "")")
        #expect(try await remote.requests().count == 2)
        try await cli.cleanup()
    }

    /// F on a transcript's turn: the message in $EDITOR, a confirmation, and the fork's transcript
    /// starts from that turn with the message after it.
    @Test func forkFromATurnWithAMessage() async throws {
        let cli = try CLI()
        let queue = RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix)
        var spec = JobSpec(task: "Build it.", maxAttempts: 1)
        spec.id = "to-fork"
        guard let claimed = try await queue.enqueueClaimed(spec, worker: "w", lease: 60) else { Issue.record("not stored"); return }
        try await queue.appendTranscript(claimed.token, model: "m", entries: [
            TranscriptEntry(.system, "Be brief."), TranscriptEntry(.user, "Build it."),
            TranscriptEntry(.modelCall, "turn 1", inputTokens: 10, outputTokens: 2),
            TranscriptEntry(.toolCall, #"{"command":"make"}"#, tool: "shell", callID: "c1"),
            TranscriptEntry(.toolResult, "make: error", tool: "shell", callID: "c1"),
            TranscriptEntry(.modelCall, "turn 2", inputTokens: 10, outputTokens: 2), TranscriptEntry(.assistant, "It does not build."),
        ])
        _ = try await queue.complete(claimed.token, result: "It does not build.")
        let editor = NSTemporaryDirectory() + "swissagent-fork-editor-\(JobID.make()).sh"
        try "#!/bin/sh\nprintf 'Try it with cmake.\\n# a comment\\n' > \"$1\"\n".write(toFile: editor, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: editor)
        let tmux = try Tmux([try CLI.binary.path, "console", "--refresh", "0.2"],
                            env: ["REDIS_URL": cli.redisURL, "SWISSAGENT_PREFIX": cli.prefix, "EDITOR": editor])
        defer { tmux.kill() }
        try tmux.send(":")
        try tmux.send("transcript to-fork", "Enter")
        #expect(try await tmux.waitFor("make: error"))
        // Select the first turn's result (Enter stops following there), then fork at it.
        try tmux.send("g")
        for _ in 0..<4 { try tmux.send("j") }
        try tmux.send("F")
        #expect(try await tmux.waitFor("Fork job to-fork at turn 1 with your message?"))
        try tmux.send("y")
        #expect(try await tmux.waitFor("forked to-fork at turn 1 as"))
        let forks = try await queue.list(queue: "default", state: .pending, offset: 0, limit: 10)
        let fork = try #require(forks.first).id
        let journal = try await queue.transcript(id: fork)
        #expect(journal.filter { $0.kind == .modelCall }.count == 1 && journal.last?.text == "Try it with cmake.")
        #expect(try await tmux.waitFor("Transcript of \(fork)"))
        try await cli.cleanup()
    }
}
