import AgentCore
import ArgumentParser
import CommandOptions
import Foundation
import Operations

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Submit a handful of demo jobs (some that succeed, one that fails, one scheduled, one that drives a browser, one that "
            + "waits for approval, and a task when a model endpoint is configured) and show the queues.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "How many rounds of demo jobs.")
    var rounds = 1

    func run() async throws {
        let jobQueue = try global.makeQueue()
        var specs: [JobSpec] = []
        let withTask = !(ProcessInfo.processInfo.environment["SWISSAGENT_LLM_URL"] ?? "").isEmpty
        for _ in 0..<max(1, rounds) { specs += Self.jobs(withTask: withTask) }
        let ids = try await JobSubmission.submit(specs, as: .operator, to: jobQueue).map(\.id)
        print("submitted \(ids.count) demo jobs")
        try await QueuesList.show(jobQueue, json: false)
    }

    /// What the system is for, on first run: shell, files and code, a failure, a schedule, a browser
    /// filling a form (its screenshot a file of the job), a call waiting for a person, and (with a
    /// model endpoint) an agent's task with its transcript.
    static func jobs(withTask: Bool = false) -> [JobSpec] {
        func shell(_ cmd: String) -> StepSpec { StepSpec(tool: "shell", input: ["command": .string(cmd)]) }
        var waiting = JobSpec(queue: "default", steps: [shell("echo deployed to production")], metadata: ["demo": .string("approval")])
        waiting.approve = ApprovalRules(tools: ["shell"])
        var task = JobSpec(queue: "default", task: "Write a file hello.txt that says hello, then read it back and tell me what it says.",
                           maxAttempts: 1, metadata: ["demo": .string("agent")])
        task.budget = JobBudget(turns: 6)
        let page = "<h1>Say hello</h1><label for=name>Name</label><input id=name>"
            + "<button onclick=\"out.textContent='Hello, '+name.value+'!'\">Greet</button><p id=out></p>"
        return [waiting] + (withTask ? [task] : []) + [
            JobSpec(queue: "default", steps: [
                StepSpec(tool: "write_file", input: ["path": "site/index.html", "content": .string(page)]),
                StepSpec(tool: "browser_navigate", input: ["url": "site/index.html"]),
                StepSpec(tool: "browser_type", input: ["selector": "#name", "text": "Ada"]),
                StepSpec(tool: "browser_click", input: ["selector": "button"]),
                StepSpec(tool: "browser_take_screenshot", input: ["filename": "greeted.png"]),
            ], metadata: ["demo": .string("browser")]),
            JobSpec(queue: "default", steps: [shell("echo hello from swissagent")], metadata: ["demo": .string("hello")]),
            JobSpec(queue: "default", steps: [
                StepSpec(tool: "write_file", input: ["path": "notes.txt", "content": "three\none\ntwo\n"]),
                shell("sort notes.txt"),
            ], metadata: ["demo": .string("files")]),
            JobSpec(queue: "default", steps: [
                StepSpec(tool: "code", input: ["language": "python", "source": "print(sum(range(10)))"]),
            ], metadata: ["demo": .string("python")]),
            JobSpec(queue: "default", steps: [shell("for i in 1 2 3 4 5; do echo tick $i; sleep 1; done")],
                    metadata: ["demo": .string("slow")]),
            JobSpec(queue: "default", steps: [shell("echo about to fail >&2; exit 3")], maxAttempts: 2,
                    metadata: ["demo": .string("fails")]),
            JobSpec(queue: "reports", tenant: "acme", steps: [shell("date; uname -a")], metadata: ["demo": .string("report")]),
            JobSpec(queue: "reports", steps: [shell("echo later")], metadata: ["demo": .string("scheduled")],
                    runAt: Date().addingTimeInterval(120).timeIntervalSince1970),
        ]
    }
}
