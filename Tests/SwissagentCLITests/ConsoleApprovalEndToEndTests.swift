import AgentCore
import Foundation
import Redis
import RedisQueue
import TestServers
import Testing

/// Approvals from the console, in tmux against a real Redis and a real worker: the count in the
/// header and the tab, `a` to approve, `D` with a reason to deny, and a read-only console that refuses both.
@Suite struct ConsoleApprovalEndToEndTests {
    func waiting(_ id: String, _ command: String) throws -> JobSpec {
        var spec = JobSpec(steps: [StepSpec(tool: "shell", input: ["command": .string(command)])], maxAttempts: 1)
        spec.id = id
        spec.approve = ApprovalRules(tools: ["shell"])
        return spec
    }

    @Test func approveAndDenyFromTheConsole() async throws {
        let cli = try CLI()
        let queue = RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix)
        let worker = try WorkerProcess(cli, ["--concurrency", "2", "--lease", "30"])
        defer { worker.signal(SIGTERM) }
        _ = try await queue.enqueue(try waiting("deploy-ok", "echo deployed"))
        _ = try await queue.enqueue(try waiting("deploy-bad", "echo wiped"))
        #expect(try await waitUntil(seconds: 20) { try await queue.stats(queue: "default").awaiting == 2 }, "\(worker.output)")

        let env = ["REDIS_URL": cli.redisURL, "SWISSAGENT_PREFIX": cli.prefix]
        let watcher = try Tmux([try CLI.binary.path, "console", "--refresh", "0.2", "--read-only"], env: env)
        defer { watcher.kill() }
        #expect(try await watcher.waitFor("2 awaiting approval"))
        try watcher.send(":")
        try watcher.send("awaiting", "Enter")
        #expect(try await watcher.waitFor("shell: echo deployed"))
        try watcher.send("a")
        #expect(try await watcher.waitFor("read-only: actions are disabled"))
        try watcher.send("D")
        #expect(try await watcher.waitFor("read-only: actions are disabled"))
        #expect(try await queue.stats(queue: "default").awaiting == 2)

        let tmux = try Tmux([try CLI.binary.path, "console", "--refresh", "0.2"], env: env)
        defer { tmux.kill() }
        #expect(try await tmux.waitFor("2 awaiting approval"))
        // From the queues screen: A opens the selected queue's calls; the longest waiting is first.
        try tmux.send("A")
        #expect(try await tmux.waitFor("shell: echo wiped"))
        let rows = try tmux.screen().split(separator: "\n")
        let first = try #require(rows.firstIndex { $0.contains("deploy-") })
        let firstID = rows[first].contains("deploy-ok") ? "deploy-ok" : "deploy-bad"
        if firstID == "deploy-bad" { try tmux.send("j") }
        try tmux.send("a")
        #expect(try await tmux.waitFor("Approve step 1 of job deploy-ok?"))
        try tmux.send("y")
        #expect(try await tmux.waitFor("approved the call deploy-ok waits on"))
        #expect(try await waitUntil(seconds: 20) { try await queue.job(id: "deploy-ok")?.state == .succeeded })

        // D on the other's detail: the reason is typed, and the job (a plan of steps) fails with it.
        try tmux.send(":")
        try tmux.send("job deploy-bad", "Enter")
        #expect(try await tmux.waitFor("AWAITING APPROVAL"))
        try tmux.send("D")
        #expect(try await tmux.waitFor("Deny deploy-bad, because:"))
        try tmux.send("Enter")
        #expect(try await tmux.waitFor("a denial needs a reason"))
        try tmux.send("-l", "not on a friday")
        try tmux.send("Enter")
        #expect(try await tmux.waitFor("denied the call deploy-bad waits on"))
        #expect(try await waitUntil(seconds: 20) { try await queue.job(id: "deploy-bad")?.state == .failed })
        let bad = try #require(try await queue.job(id: "deploy-bad"))
        #expect(bad.lastError?.hasSuffix("(console): not on a friday") == true, "\(bad.lastError ?? "")")
        #expect(bad.history.first { $0.event == "denied" }?.by?.hasSuffix("(console)") == true)
        #expect(try await watcher.waitFor("0 orphaned"))
        #expect(try await queue.stats(queue: "default").awaiting == 0)
        try await cli.cleanup()
    }
}
