import AgentCore
import Foundation
import RedisTestSupport
import Sandboxes
import TestServers
import Testing

/// The browser tools against a real Chromium in the real bubblewrap sandbox, driven over its pipe.
@Suite(.serialized) struct BrowserTests {
    let config = LocalSandboxConfig(uidBase: 760_000 + Int(getpid() % 1000) * 256)

    static let page = """
        <html><head><title>Greeter</title></head><body>
        <h1>Say hello</h1>
        <form onsubmit="event.preventDefault(); greet()"><label for="name">Name</label><input id="name">
        <button type="button" onclick="greet()">Greet</button></form>
        <p id="out"></p>
        <script>function greet() { document.getElementById('out').textContent = 'Hello, ' + document.getElementById('name').value + '!'; }</script>
        </body></html>
        """

    func step(_ tool: String, _ input: [String: JSONValue] = [:]) -> StepSpec { StepSpec(tool: tool, input: input) }

    @Test func aPlanFillsAFormClicksAndTakesAScreenshot() async throws {
        let run = try await runSteps([
            step("write_file", ["path": "site/index.html", "content": .string(Self.page)]),
            step("browser_navigate", ["url": "site/index.html"]),
            step("browser_type", ["selector": "#name", "text": "Ada"]),
            step("browser_click", ["selector": "button"]),
            step("browser_take_screenshot", ["filename": "shot.png"]),
            shell("python3 -c \"import struct; d = open('shot.png', 'rb').read(); print(d[:8] == b'\\\\x89PNG\\\\r\\\\n\\\\x1a\\\\n', *struct.unpack('>II', d[16:24]))\""),
        ], limits: ResourceLimits(wallSeconds: 120), config: config)
        #expect(run.error == nil, "\(run.error?.description ?? "") \(run.stderr)")
        let out = run.stdout
        #expect(out.contains("Page Title: Greeter") && out.contains("Page URL: file:///workspace/site/index.html"), "\(out)")
        #expect(out.contains(#"- heading "Say hello" [level=1] [ref="#) && out.contains(#"- textbox "Name" [ref="#), "\(out)")
        #expect(out.contains("- text: Hello, Ada!"), "\(out)")
        #expect(out.contains("Saved the screenshot to shot.png (") && out.contains("1280x720 pixels"), "\(out)")
        #expect(out.hasSuffix("True 1280 720\n"), "\(out)")
        #expect(try await waitUntil(seconds: 60) { sandboxProcesses(uidBase: config.uidBase).isEmpty }, "the browser outlived its job")
    }

    /// A ref from the snapshot names its element for the next call; a stale or unknown one is the
    /// step's error, in words a model can act on.
    @Test func refsFromTheSnapshotAndMistakesSaidPlainly() async throws {
        let run = try await runSteps([
            step("write_file", ["path": "index.html", "content": .string(Self.page)]),
            step("browser_navigate", ["url": "index.html"]),
            step("browser_type", ["ref": "e3", "text": "Grace", "submit": true]),
            step("browser_wait_for", ["text": "Hello, Grace!"]),
            step("browser_click", ["ref": "e99"]),
        ], limits: ResourceLimits(wallSeconds: 120), config: config)
        #expect(run.stdout.contains(#"- textbox "Name" [ref=e3]"#), "\(run.stdout)")
        #expect(run.stdout.contains("- text: Hello, Grace!"), "\(run.stdout)")
        #expect(run.stderr.contains("browser_click: no element [ref=e99] in the latest snapshot"), "\(run.stderr)")
        #expect(run.error?.description.hasPrefix("step 5 (browser_click) exited with status 1") == true, "\(run.error?.description ?? "")")
    }

    @Test func onlyTheWorkspaceAndTheNetworkTheStepMayUse() async throws {
        let run = try await runSteps([step("browser_navigate", ["url": "file:///etc/passwd"])], config: config)
        #expect(run.stderr.contains("only http(s) URLs and paths inside the workspace"), "\(run.stderr)")
        let up = try await runSteps([step("browser_navigate", ["url": "../../etc/passwd"])], config: config)
        #expect(up.error?.description.contains("must stay inside the job's workspace") == true, "\(up.error?.description ?? "")")
        let web = try await runSteps([step("browser_navigate", ["url": "https://example.com/"])], config: config)
        #expect(web.stderr.contains("needs the network"), "\(web.stderr)")
    }

    /// Each browser process is capped at the step's memory limit (RLIMIT_DATA: V8's reservations do
    /// not count, what a page writes does): a page that allocates without end crashes, and the step
    /// fails as past its memory limit. The next call gets a new browser.
    @Test func aPageThatAllocatesWithoutEndIsStoppedAtTheMemoryLimit() async throws {
        let hog = "<html><body><script>var a = []; (function grow() { for (var i = 0; i < 20; i++) a.push(new Array(1e6).fill(i)); "
            + "setTimeout(grow, 0); })();</script></body></html>"
        let run = try await runSteps([
            step("write_file", ["path": "hog.html", "content": .string(hog)]),
            step("write_file", ["path": "calm.html", "content": "<html><head><title>Calm</title></head><body>calm</body></html>"]),
            step("browser_navigate", ["url": "hog.html"]),
            step("browser_wait_for", ["time": 600]),
        ], limits: ResourceLimits(wallSeconds: 120, memoryMB: 512), config: config)
        // The page crashes while it loads (step 3) or while the job waits on it (step 4), as the machine's pace has it.
        let error = run.error?.description ?? ""
        #expect((error == "step 3 exceeded its 512 MB memory limit" || error == "step 4 exceeded its 512 MB memory limit"), "\(error) \(run.stderr)")
        #expect(run.stderr.contains("the page crashed"), "\(run.stderr)")
        #expect(try await waitUntil(seconds: 60) { sandboxProcesses(uidBase: config.uidBase).isEmpty }, "the browser outlived its job")
    }

    /// A page whose script never yields never finishes loading: the action ends at its time limit.
    @Test func aPageThatNeverLoadsEndsAtTheActionsTimeLimit() async throws {
        var stuck = step("browser_navigate", ["url": "stuck.html"])
        stuck.timeoutSeconds = 3
        let run = try await runSteps([
            step("write_file", ["path": "stuck.html", "content": "<html><body><script>while (true) {}</script></body></html>"]),
            stuck,
        ], limits: ResourceLimits(wallSeconds: 120), config: config)
        #expect(run.error?.description.hasPrefix("step 2 (browser_navigate) exited with status 1") == true, "\(run.error?.description ?? "")")
        #expect(run.stderr.contains("within 3 s"), "\(run.stderr)")
    }

    @Test func aHugePagesSnapshotIsCut() async throws {
        let items = (0..<1_500).map { "<li><a href=\"#\($0)\">item \($0)</a></li>" }.joined()
        // A debug build reads a big tree slowly (9,000 nodes, 3.5 MB): the action gets time for it.
        var open = step("browser_navigate", ["url": "big.html"])
        open.timeoutSeconds = 240
        let run = try await runSteps([
            step("write_file", ["path": "big.html", "content": .string("<html><body><ul>\(items)</ul></body></html>")]),
            open,
        ], limits: ResourceLimits(wallSeconds: 300, outputBytes: 50_000), config: config)
        #expect(run.error == nil, "\(run.error?.description ?? "") \(run.stderr)")
        #expect(run.stdout.contains("(the snapshot was cut at 50000 bytes)") && run.stdout.utf8.count < 60_000, "\(run.stdout.suffix(300))")
    }

    /// With the step's network, a page on another machine opens; the worker's Redis does not, from
    /// the browser as from any step. Without it, no http(s) at all.
    @Test func theNetworkIsTheStepsAndTheRedisFenceHolds() async throws {
        let outside = try OutsideHost()
        try await outside.waitServing(seconds: 60)
        let redis = try RedisTestServer.shared.get().port
        var there = step("browser_navigate", ["url": .string("http://\(outside.address):8099/")])
        there.network = true
        var home = step("browser_navigate", ["url": .string("http://127.0.0.1:\(redis)/")])
        home.network = true
        let run = try await runSteps([there, home], limits: ResourceLimits(wallSeconds: 120), allowNetwork: true, config: config)
        #expect(run.stdout.contains("Page URL: http://\(outside.address):8099/"), "\(run.stdout) \(run.stderr)")
        #expect(run.stderr.contains("could not open http://127.0.0.1:\(redis)/: net::ERR_"), "\(run.stderr)")
        #expect(run.error?.description.hasPrefix("step 2 (browser_navigate) exited with status 1") == true, "\(run.error?.description ?? "")")
    }
}
