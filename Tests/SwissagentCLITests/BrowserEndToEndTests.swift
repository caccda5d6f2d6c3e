import AgentCore
import Foundation
import Redis
import RedisQueue
import TestServers
import Testing

/// The browser tools through a real worker: an agent that reads a page's refs and acts on them, and
/// a browser that dies with its worker.
@Suite(.serialized) struct BrowserEndToEndTests {
    static let page = """
        <html><head><title>Greeter</title></head><body><h1>Say hello</h1>
        <form onsubmit="event.preventDefault(); document.getElementById('out').textContent = 'Hello, ' + document.getElementById('name').value + '!'">
        <label for="name">Name</label><input id="name"><button>Greet</button></form><p id="out"></p></body></html>
        """

    func call(_ id: String, _ name: String, _ arguments: [String: Any]) throws -> [String: Any] {
        ["id": id, "name": name, "arguments": String(decoding: try JSONSerialization.data(withJSONObject: arguments), as: UTF8.self)]
    }

    @Test func anAgentFillsAFormByItsRefsAndTakesAScreenshot() async throws {
        let session = try ChatSession()
        try await session.script([
            ["tool_calls": [try call("c1", "write_file", ["path": "index.html", "content": Self.page])]],
            ["tool_calls": [try call("c2", "browser_navigate", ["url": "index.html"])]],
            ["tool_calls": [try call("c3", "browser_type", ["ref": "e3", "text": "Ada", "submit": true])]],
            ["tool_calls": [try call("c4", "browser_take_screenshot", ["filename": "greeted.png"])]],
            ["tool_calls": [try call("c5", "finish", ["answer": "Greeted Ada."])]],
        ])
        let cli = try CLI()
        let worker = try WorkerProcess(cli, ["--concurrency", "1"], env: ["SWISSAGENT_LLM_URL": session.baseURL, "SWISSAGENT_LLM_MODEL": "m",
                                                                          "SWISSAGENT_LLM_RESIDENCY": "in-cluster"])
        defer { worker.signal(SIGTERM) }
        let queue = RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix)
        let id = try await queue.enqueue(JobSpec(task: "Greet Ada on the page.", maxAttempts: 1))
        #expect(try await waitUntil(seconds: 120) { try await queue.job(id: id)?.state.isTerminal ?? false }, "\(worker.output)")
        let job = try #require(try await queue.job(id: id))
        #expect(job.state == .succeeded && job.result == "Greeted Ada.", "\(job.lastError ?? "") \(worker.output)")
        let results = try await queue.transcript(id: id).filter { $0.kind == .toolResult }.map(\.text)
        #expect(results.count == 4)
        #expect(results[safe: 1]?.contains(#"- textbox "Name" [ref=e3]"#) == true, "\(results)")
        #expect(results[safe: 2]?.contains("- text: Hello, Ada!") == true, "\(results)")
        #expect(results[safe: 3]?.hasPrefix("Saved the screenshot to greeted.png (") == true, "\(results)")
        // The model was offered the browser's tools with the others.
        let tools = ((try await session.requests().first?["body"] as? [String: Any])?["tools"] as? [[String: Any]] ?? [])
            .compactMap { ($0["function"] as? [String: Any])?["name"] as? String }
        #expect(tools.contains("browser_navigate") && tools.contains("browser_snapshot") && tools.contains("shell"), "\(tools)")
        try await cli.cleanup()
    }

    /// Processes below `pid` whose command line is Chromium's.
    static func browsers(under pid: pid_t) -> Set<Int32> {
        let text = (try? TestProcess.runBlocking(["/bin/ps", "-eo", "pid=,ppid=,args="], timeout: 10))?.text ?? ""
        var parent: [Int32: Int32] = [:], chromium: Set<Int32> = []
        for line in text.split(separator: "\n") {
            let w = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
            guard w.count == 3, let p = Int32(w[0]), let pp = Int32(w[1]) else { continue }
            parent[p] = pp
            if w[2].contains("chromium") && w[2].contains("remote-debugging-pipe") { chromium.insert(p) }
        }
        return chromium.filter { p in
            var at = p
            for _ in 0..<64 { guard let up = parent[at] else { return false }; if up == pid { return true }; at = up }
            return false
        }
    }

    /// A job held on its browser until the test acts: it waits for text that never comes.
    func heldJob() -> JobSpec {
        var wait = StepSpec(tool: "browser_wait_for", input: ["text": "never on this page"])
        wait.timeoutSeconds = 600
        return JobSpec(steps: [
            StepSpec(tool: "write_file", input: ["path": "index.html", "content": .string(Self.page)]),
            StepSpec(tool: "browser_navigate", input: ["url": "index.html"]), wait,
        ], maxAttempts: 1)
    }

    @Test func theBrowserDiesWithItsJobCancelledAndWithItsWorker() async throws {
        let cli = try CLI()
        let queue = RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix)
        let cancelled = try await queue.enqueue(heldJob())
        let worker = try WorkerProcess(cli, ["--concurrency", "1"])
        var running: Set<Int32> = []
        #expect(try await waitUntil(seconds: 120) {
            running = Self.browsers(under: worker.process.pid)
            return !running.isEmpty
        }, "\(worker.output)")
        #expect(try await queue.cancel(id: cancelled) == .requested)
        #expect(try await waitUntil(seconds: 60) { try await queue.job(id: cancelled)?.state == .cancelled })
        #expect(try await waitUntil(seconds: 60) { running.allSatisfy { kill($0, 0) != 0 } }, "Chromium outlived its cancelled job: \(running)")

        _ = try await queue.enqueue(heldJob())
        #expect(try await waitUntil(seconds: 120) {
            running = Self.browsers(under: worker.process.pid)
            return !running.isEmpty
        }, "\(worker.output)")
        worker.signal(SIGKILL)
        _ = await worker.exitStatus(within: 60)
        #expect(try await waitUntil(seconds: 60) { running.allSatisfy { kill($0, 0) != 0 } }, "Chromium outlived its worker: \(running)")
        try await cli.cleanup()
    }
}
