import AgentCore
import Foundation
import Sandboxes
import TestServers
import Testing

/// The browser tools in an E2B sandbox (the E2B test server runs the browser like any command):
/// the same driver, its pipe carried by the process's stdin and stdout through envd.
@Suite(.serialized) struct E2BBrowserTests {
    @Test func thePlanRunsInAnE2BSandboxAsItDoesLocally() async throws {
        let server = try E2BTestServer.shared.get()
        let provider = E2BSandboxProvider(config: server.config())
        let session = try await provider.open(jobID: "job-browser", env: [:])
        let page = "<html><head><title>Greeter</title></head><body><input id=name aria-label=Name>"
            + "<button onclick=\"out.textContent='Hello, '+document.getElementById('name').value+'!'\">Greet</button><p id=out></p></body></html>"
        let steps = [
            StepSpec(tool: "write_file", input: ["path": "site/index.html", "content": .string(page)]),
            StepSpec(tool: "browser_navigate", input: ["url": "site/index.html"]),
            StepSpec(tool: "browser_type", input: ["selector": "#name", "text": "Ada"]),
            StepSpec(tool: "browser_click", input: ["selector": "button"]),
            StepSpec(tool: "browser_take_screenshot", input: ["filename": "shot.png"]),
            StepSpec(tool: "read_file", input: ["path": "shot.png"]),
        ]
        let observer = Recorder()
        var failure: JobFailure?
        do {
            try await Supervisor(router: .withBrowser, limits: ResourceLimits(wallSeconds: 120))
                .run(JobSpec(steps: steps), steps: steps, in: session, observer: observer)
        } catch {
            failure = error as? JobFailure
        }
        let calls = try await server.calls("envd POST /process.Process/SendInput")
        await session.close()
        #expect(failure == nil, "\(failure?.description ?? "") \(observer.err)")
        #expect(observer.out.contains("Page Title: Greeter") && observer.out.contains("- text: Hello, Ada!"), "\(observer.out)")
        #expect(observer.out.contains("Saved the screenshot to shot.png ("), "\(observer.out)")
        #expect(calls > 0)
        // Killed with its sandbox: no browser of this sandbox is left.
        #expect(try await waitUntil(seconds: 60) {
            let ps = (try? TestProcess.runBlocking(["/bin/ps", "-eo", "args="], timeout: 10))?.text ?? ""
            return !ps.split(separator: "\n").contains { $0.contains("remote-debugging-pipe") && $0.contains("/tmp/.browser-profile-") }
        })
    }
}
