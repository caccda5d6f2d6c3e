import AgentCore
import ArgumentParser
import Foundation
import RedisQueue

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Submit a handful of demo jobs (some that succeed, one that fails, one scheduled) and show the queues.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "How many rounds of demo jobs.")
    var rounds = 1

    func run() async throws {
        let jobQueue = try global.makeQueue()
        var specs: [JobSpec] = []
        for _ in 0..<max(1, rounds) { specs += Self.jobs() }
        let ids = try await jobQueue.enqueue(batch: specs)
        print("submitted \(ids.count) demo jobs")
        try await QueuesList.show(jobQueue, json: false)
    }

    static func jobs() -> [JobSpec] {
        func shell(_ cmd: String) -> StepSpec { StepSpec(tool: "shell", input: ["command": .string(cmd)]) }
        return [
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
