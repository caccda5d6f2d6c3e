import AgentCore
import Foundation
import Redis
import RedisQueue
import TestServers
import Testing

/// Calls that wait for a person, through a real worker, Redis, the local sandbox, the CLI and the API.
@Suite struct ApprovalEndToEndTests {
    func approvedShell(_ command: String, _ approve: JSONValue = ["shell"]) throws -> JobSpec {
        var spec = JobSpec(steps: [StepSpec(tool: "shell", input: ["command": .string(command)])], maxAttempts: 3)
        spec.approve = try ApprovalRules.parse(approve)
        return spec
    }

    func queue(_ cli: CLI) throws -> RedisJobQueue { RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix) }

    @Test func aCallWaitsHoldingItsLeaseAndRunsOnceApproved() async throws {
        let cli = try CLI()
        let q = try queue(cli)
        let worker = try WorkerProcess(cli, ["--concurrency", "1", "--lease", "3"])
        defer { worker.signal(SIGTERM) }
        let id = try await q.enqueue(try approvedShell("echo approved-and-ran"))
        #expect(try await waitUntil(seconds: 60) { try await q.stats(queue: "default").awaiting == 1 }, "\(worker.output)")
        // Renewed past three lease lengths, it is still the same claim, not orphaned (the renewals
        // themselves are what the test waits for, so a late one cannot make it fail).
        let firstLease = try #require(try await q.job(id: id)?.leaseUntil)
        #expect(try await waitUntil(seconds: 120) {
            (try await q.job(id: id)?.leaseUntil).map { $0.timeIntervalSince(firstLease) >= 9 } ?? false
        }, "\(worker.output)")
        let waiting = try #require(try await q.job(id: id))
        #expect(waiting.state == .active && waiting.orphaned == 0 && waiting.attempts == 1)
        #expect(waiting.approval?.tool == "shell" && waiting.approval?.input["command"] == "echo approved-and-ran")
        let listed = try await cli.run("jobs", "approvals")
        #expect(listed.stdout.contains(id) && listed.stdout.contains("shell: echo approved-and-ran"), "\(listed.stdout)")
        let shown = try await cli.run("jobs", "show", id)
        #expect(shown.stdout.contains("waits for   approval of step 1, shell: echo approved-and-ran"), "\(shown.stdout)")

        let approved = try await cli.run("jobs", "approve", id)
        #expect(approved.status == 0 && approved.stdout == "approved the call \(id) waits on\n", "\(approved.stderr)")
        #expect(try await waitUntil(seconds: 60) { try await q.job(id: id)?.state == .succeeded })
        let again = try await cli.run("jobs", "approve", id)
        #expect(again.status != 0 && again.stderr.contains("has no call waiting"))
        let done = try #require(try await q.job(id: id))
        #expect(done.history.map(\.event) == ["claimed", "approval_asked", "approved", "succeeded"])
        #expect(done.history.first { $0.event == "approved" }?.by?.hasSuffix(" (cli)") == true)
        let output = try await q.readOutput(id: id, after: "", limit: 100, wait: 0).map(\.text).joined()
        #expect(output.contains("waits for approval: shell calls need approval") && output.contains("approved-and-ran\n"), "\(output)")
        try await cli.cleanup()
    }

    /// The worker's own rule applies to a job that names none; the person's reason reaches the model.
    @Test func aDenialsReasonReachesTheModel() async throws {
        let session = try ChatSession()
        try await session.script([
            ["tool_calls": [["id": "c1", "name": "shell", "arguments": #"{"command":"rm -rf /srv/data"}"#]]],
            ["text": "Understood: I will not delete it."],
        ])
        let cli = try CLI()
        let q = try queue(cli)
        let worker = try WorkerProcess(cli, ["--concurrency", "1", "--approve-command", "rm -rf"],
                                       env: ["SWISSAGENT_LLM_URL": session.baseURL, "SWISSAGENT_LLM_MODEL": "m", "SWISSAGENT_LLM_RESIDENCY": "in-cluster"])
        defer { worker.signal(SIGTERM) }
        let id = try await q.enqueue(JobSpec(task: "Clean up /srv/data.", maxAttempts: 1))
        #expect(try await waitUntil(seconds: 60) { try await q.job(id: id)?.approval != nil }, "\(worker.output)")
        #expect(try await q.job(id: id)?.approval?.reason == "its command matches /rm -rf/")
        #expect(try await cli.run("jobs", "deny", id).status != 0)  // a denial needs --reason
        let denied = try await cli.run("jobs", "deny", id, "--reason", "not on the data volume")
        #expect(denied.status == 0, "\(denied.stderr)")
        #expect(try await waitUntil(seconds: 60) { try await q.job(id: id)?.state.isTerminal ?? false })
        let job = try #require(try await q.job(id: id))
        #expect(job.state == .succeeded && job.result == "Understood: I will not delete it.", "\(job.lastError ?? "")")
        #expect(job.steps.first?.status == .failed && job.steps.first?.error?.contains("not on the data volume") == true)
        let requests = try await session.requests()
        let messages = ((requests[safe: 1]?["body"] as? [String: Any])?["messages"] as? [[String: Any]]) ?? []
        let result = messages.last?["content"] as? String ?? ""
        #expect(messages.last?["role"] as? String == "tool" && result.contains("denied by") && result.contains("not on the data volume"),
                "\(result)")
        try await cli.cleanup()
    }

    @Test func noDecisionInTimeIsADenial() async throws {
        let cli = try CLI()
        let q = try queue(cli)
        let worker = try WorkerProcess(cli, ["--concurrency", "1"])
        defer { worker.signal(SIGTERM) }
        // The job asks for 1 s; a worker's longer timeout is only its cap.
        let id = try await q.enqueue(try approvedShell("echo never", ["tools": ["shell"], "timeout_s": 1]))
        #expect(try await waitUntil(seconds: 60) { try await q.job(id: id)?.state.isTerminal ?? false }, "\(worker.output)")
        let job = try #require(try await q.job(id: id))
        #expect(job.state == .failed && job.attempts == 1, "\(job.state) \(job.attempts)")
        #expect(job.lastError == "step 1 (shell) was denied by timeout: no one approved it within 1s", "\(job.lastError ?? "")")
        #expect(try await q.stats(queue: "default").awaiting == 0)
        try await cli.cleanup()
    }

    /// A job's own pattern that backtracks without end, against its own command: the call waits for
    /// a person (fail closed) within the match budget, and the worker's slot goes on to the next job.
    @Test func aRunawayPatternWaitsForAPersonAndHoldsNoWorker() async throws {
        let cli = try CLI()
        let q = try queue(cli)
        let worker = try WorkerProcess(cli, ["--concurrency", "1"])
        defer { worker.signal(SIGTERM) }
        let bait = "echo " + String(repeating: "a", count: 40) + "!"
        let id = try await q.enqueue(try approvedShell(bait, ["command": "(a+)+!$x"]))
        let next = try await q.enqueue(JobSpec(steps: [StepSpec(tool: "shell", input: ["command": "echo next"])], maxAttempts: 1))
        #expect(try await waitUntil(seconds: 60) { try await q.stats(queue: "default").awaiting == 1 }, "\(worker.output)")
        var output = ""
        let said = try await waitUntil(seconds: 10) {
            output = try await q.readOutput(id: id, after: "", limit: 100, wait: 0).map(\.text).joined()
            return output.contains("waits for approval")
        }
        #expect(said && output.contains("waits for approval: its command could not be checked against /(a+)+!$x/"), "\(output)")
        #expect(try await cli.run("jobs", "deny", id, "--reason", "pattern too slow").status == 0)
        #expect(try await waitUntil(seconds: 60) { try await q.job(id: next)?.state == .succeeded }, "\(worker.output)")
        #expect(try await q.job(id: id)?.state == .failed)
        try await cli.cleanup()
    }

    @Test func aWorkerKilledWhileACallWaitsLosesNothing() async throws {
        let cli = try CLI()
        let q = try queue(cli)
        let first = try WorkerProcess(cli, ["--concurrency", "1", "--lease", "1"])
        let id = try await q.enqueue(try approvedShell("echo second-time"))
        #expect(try await waitUntil(seconds: 60) { try await q.job(id: id)?.approval != nil }, "\(first.output)")
        first.signal(SIGKILL)
        _ = await first.exitStatus(within: 5)
        let second = try WorkerProcess(cli, ["--concurrency", "1", "--lease", "30"])
        defer { second.signal(SIGTERM) }
        // Back through pending, it asks again: a second request, from the second attempt.
        #expect(try await waitUntil(seconds: 60) {
            try await q.job(id: id).map { $0.attempts == 2 && $0.approval != nil } ?? false
        }, "\(second.output)")
        let job = try #require(try await q.job(id: id))
        #expect(job.orphaned == 1 && job.history.filter { $0.event == "approval_asked" }.count == 2)
        #expect(try await q.stats(queue: "default").awaiting == 1)
        #expect(try await cli.run("jobs", "approve", id).status == 0)
        #expect(try await waitUntil(seconds: 60) { try await q.job(id: id)?.state == .succeeded })
        try await cli.cleanup()
    }

    /// The API's approve and deny: tenant rules as for every job action, and the tenant in the history.
    @Test func theAPIDecidesForTheJobsTenantOnly() async throws {
        let cli = try CLI()
        let q = try queue(cli)
        let worker = try WorkerProcess(cli, ["--concurrency", "2"])
        defer { worker.signal(SIGTERM) }
        let api = try await APIProcess(cli, env: ["SWISSAGENT_API_TOKENS": "tok-acme=acme,tok-globex=globex"])
        defer { api.worker.signal(SIGTERM) }
        let body = #"{"steps":[{"tool":"shell","input":{"command":"echo from-api"}}],"approve":["*"],"max_attempts":1}"#
        let (s1, a, _) = try await api.call("POST", "/v1/jobs", body: body)
        let (s2, b, _) = try await api.call("POST", "/v1/jobs", body: body)
        #expect(s1 == 201 && s2 == 201)
        let first = try #require(a["id"] as? String), second = try #require(b["id"] as? String)
        #expect(try await waitUntil(seconds: 60) { try await q.stats(queue: "default").awaiting == 2 }, "\(worker.output)")
        let (shown, job, _) = try await api.call("GET", "/v1/jobs/\(first)")
        #expect(shown == 200 && (job["approval"] as? [String: Any])?["tool"] as? String == "shell")
        #expect(try await api.call("POST", "/v1/jobs/\(first)/approve", token: "tok-globex").0 == 404)
        let (noReason, refusal, _) = try await api.call("POST", "/v1/jobs/\(second)/deny", body: "{}")
        #expect(noReason == 400 && (refusal["error"] as? [String: Any])?["code"] as? String == "reason_required")
        #expect(try await api.call("POST", "/v1/jobs/\(second)/deny", body: "[1]").0 == 400)
        let (approved, answer, _) = try await api.call("POST", "/v1/jobs/\(first)/approve")
        #expect(approved == 200 && answer["decision"] as? String == "approved" && answer["by"] as? String == "tenant acme (api)")
        #expect(try await api.call("POST", "/v1/jobs/\(second)/deny", body: #"{"reason":"wrong host"}"#).0 == 200)
        #expect(try await api.call("POST", "/v1/jobs/\(second)/deny", body: #"{"reason":"again"}"#).0 == 409)
        #expect(try await waitUntil(seconds: 60) {
            let a = try await q.job(id: first)?.state, b = try await q.job(id: second)?.state
            return a == .succeeded && b == .failed
        })
        let denied = try #require(try await q.job(id: second))
        #expect(denied.lastError == "step 1 (shell) was denied by tenant acme (api): wrong host")
        #expect(denied.history.first { $0.event == "denied" }?.by == "tenant acme (api)")
        try await cli.cleanup()
    }
}
