import AgentCore
import Foundation
import Logging
import RedisQueue
import RedisTestSupport
import Sandboxes
import TestServers
import Testing

@Suite struct WorkerTests {
    @Test func runsJobsAndRecordsStepsAndOutput() async throws {
        try await TestQueue.with { tq async throws in
            let h = try WorkerHarness(tq)
            let id = try await tq.queue.enqueue(job([
                sh("echo one; echo two >&2"),
                StepSpec(tool: "write_file", input: ["path": "f.txt", "content": "data\n"]),
                StepSpec(tool: "read_file", input: ["path": "f.txt"]),
            ]))
            let done = try #require(try await h.wait(for: id, in: [.succeeded, .failed]))
            #expect(done.state == .succeeded, "\(done.lastError ?? "")")
            #expect(done.steps.map(\.status) == [.succeeded, .succeeded, .succeeded])
            #expect(done.steps.map(\.tool) == ["shell", "write_file", "read_file"])
            #expect(done.steps[0].exitCode == 0 && done.steps[0].outputBytes == 8)
            #expect(done.sandbox == "local")
            let output = try await tq.queue.readOutput(id: id, after: "", limit: 100, wait: 0)
            #expect(output.filter { $0.stream == .stdout }.map(\.text).joined() == "one\ndata\n")
            #expect(output.filter { $0.stream == .stderr }.map(\.text).joined() == "two\n")
            #expect(output.contains { $0.step == 2 })
            // The worker announces itself while it runs (its first heartbeat may come after a quick job).
            #expect(try await waitUntil(seconds: 10) { try await tq.queue.workers().first?.id == h.worker.config.id })
            await h.stop()
            #expect(try await tq.queue.workers().isEmpty)
        }
    }

    @Test func failuresAreRetriedOrNotAsTheyDeserve() async throws {
        try await TestQueue.with(retry: RetryPolicy(base: 0.1, cap: 0.2, jitter: 0)) { tq async throws in
            let flaky = try await tq.queue.enqueue(job([sh("exit 3")], maxAttempts: 2))
            var unknown = job([sh("true")])
            unknown.id = "unknown-tool"
            _ = try await tq.queue.enqueue(unknown)
            // Written past the door's checks: a tool the router does not know.
            let k = Keys(prefix: tq.prefix).queue("default")
            try await tq.queue.client.call("HSET", k.job("unknown-tool"), "spec", #"{"steps":[{"tool":"browser","input":{}}]}"#)
            let h = try WorkerHarness(tq)
            let failed = try #require(try await h.wait(for: flaky, in: [.failed]))
            #expect(failed.state == .failed)
            #expect(failed.errors.compactMap(\.error) == ["step 1 (shell) exited with status 3", "step 1 (shell) exited with status 3"])
            let refused = try #require(try await h.wait(for: "unknown-tool", in: [.failed]))
            #expect(refused.state == .failed)
            #expect(refused.attempts == 1)
            #expect(refused.lastError == #"invalid job payload: steps[0].tool: unknown tool "browser" (known: code, read_file, shell, write_file)"#)
            await h.stop()
        }
    }

    @Test func garbageSpecsFailAndTheWorkerGoesOn() async throws {
        try await TestQueue.with { tq async throws in
            var bad = job([sh("true")])
            bad.id = "garbled"
            _ = try await tq.queue.enqueue(bad)
            try await tq.queue.client.call("HSET", Keys(prefix: tq.prefix).queue("default").job("garbled"), "spec", "{not json")
            let good = try await tq.queue.enqueue(job([sh("echo fine")]))
            let h = try WorkerHarness(tq, concurrency: 1)
            let failed = try #require(try await h.wait(for: "garbled", in: [.failed]))
            #expect(failed.lastError?.hasPrefix("invalid job payload: not valid JSON") == true)
            #expect(failed.attempts == 1)
            #expect(try await h.wait(for: good, in: [.succeeded])?.state == .succeeded)
            await h.stop()
        }
    }

    @Test func cancellingARunningJobKillsIt() async throws {
        try await TestQueue.with { tq async throws in
            let h = try WorkerHarness(tq, lease: 6)
            let id = try await tq.queue.enqueue(job([sh("echo started; sleep 600")]))
            // Wait for the command to be running before cancelling.
            #expect(try await waitUntil(seconds: 60) { !(try await tq.queue.readOutput(id: id, after: "", limit: 10, wait: 0).isEmpty) })
            let start = ContinuousClock.now
            #expect(try await tq.queue.cancel(id: id) == .requested)
            let cancelled = try #require(try await h.wait(for: id, in: [.cancelled], seconds: 60))
            #expect(cancelled.state == .cancelled)
            #expect(ContinuousClock.now - start < .seconds(30))
            #expect(cancelled.steps.first?.status == .cancelled)
            await h.stop()
        }
    }

    @Test func shutdownLetsJobsFinishWithinTheGracePeriod() async throws {
        try await TestQueue.with { tq async throws in
            // A generous grace: on a loaded machine the job's second of work can take a minute; a
            // passing run stops as soon as the job is done.
            let h = try WorkerHarness(tq, grace: 300, limits: ResourceLimits(wallSeconds: 300))
            let id = try await tq.queue.enqueue(job([sh("sleep 1; echo finished")]))
            _ = try await h.wait(for: id, in: [.active])
            await h.stop()
            #expect(try await tq.queue.job(id: id)?.state == .succeeded)
        }
    }

    @Test func shutdownGivesBackWhatCannotFinish() async throws {
        try await TestQueue.with { tq async throws in
            // A long lease: on a loaded machine a late renewal would orphan the job and count another attempt.
            let h = try WorkerHarness(tq, lease: 30, grace: 0.5)
            let id = try await tq.queue.enqueue(job([sh("echo started; sleep 600")]))
            #expect(try await waitUntil(seconds: 60) { !(try await tq.queue.readOutput(id: id, after: "", limit: 10, wait: 0).isEmpty) })
            let start = ContinuousClock.now
            await h.stop()
            // Far less than the step's 60 s (with room for a loaded machine running every suite at once).
            #expect(ContinuousClock.now - start < .seconds(20))
            let back = try #require(try await tq.queue.job(id: id))
            #expect(back.state == .pending)
            #expect(back.attempts == 0)
            #expect(back.history.last?.event == "released")
        }
    }
}

/// A worker whose jobs ask for E2B runs them in the E2B test server's sandboxes.
@Suite(.serialized) struct E2BWorkerTests {
    func harness(_ tq: TestQueue, server: E2BTestServer, owner: String) throws -> (Worker, Task<Void, Never>, E2BSandboxProvider) {
        var config = E2BConfig(apiKey: server.key, apiURL: server.base, sandboxURL: server.base)
        config.owner = owner
        let e2b = E2BSandboxProvider(config: config)
        let router = SandboxRouter(local: try LocalSandboxProvider(), e2b: e2b)
        let queue = tq.queue
        var logger = Logger(label: "test.e2b")
        logger.logLevel = .critical
        // A lease of some seconds: on a machine running every suite at once a shorter one is lost
        // between renewals, and the job runs twice.
        let worker = Worker(config: WorkerConfig(queues: ["default"], concurrency: 2, lease: 6, grace: 2, claimWait: 0.2, heartbeatInterval: 0.5),
                            processor: JobProcessor(supervisor: Supervisor(), sandboxes: router, logger: logger),
                            queue: queue, slotQueue: { queue.withNewConnection(label: "e2b-slot-\($0)") }, logger: logger, leakReaper: e2b)
        return (worker, Task { await worker.run() }, e2b)
    }

    @Test func jobsRunInE2BRecordTheirCostAndCancelKillsTheSandbox() async throws {
        let server = try E2BTestServer.shared.get()
        try await TestQueue.with { tq async throws in
            let owner = "test-\(JobID.make())"
            let (worker, task, _) = try harness(tq, server: server, owner: owner)
            var spec = JobSpec(steps: [sh("echo in-e2b; sleep 1")])
            spec.sandbox = .e2b
            let id = try await tq.queue.enqueue(spec)
            var slow = JobSpec(steps: [sh("echo started; sleep 600")])
            slow.sandbox = .e2b
            let slowID = try await tq.queue.enqueue(slow)
            let harness = WorkerHarnessWaiter(queue: tq.queue)
            let done = try #require(try await harness.wait(for: id, in: [.succeeded, .failed]))
            #expect(done.state == .succeeded, "\(done.lastError ?? "")")
            #expect(done.sandbox?.hasPrefix("e2b:") == true)
            #expect((done.sandboxSeconds ?? 0) >= 1)
            #expect((done.costUSD ?? 0) > 0)
            let output = try await tq.queue.readOutput(id: id, after: "", limit: 10, wait: 0).map(\.text).joined()
            #expect(output == "in-e2b\n", "\(done.history.map(\.event))")

            // `active` comes at the claim, before the sandbox opens: wait for the command's own word.
            #expect(try await waitUntil(seconds: 60) {
                try await tq.queue.readOutput(id: slowID, after: "", limit: 10, wait: 0).map(\.text).joined() == "started\n"
            })
            #expect(try await server.sandboxes().values.contains { $0["swissagent_job"] == slowID })
            #expect(try await tq.queue.cancel(id: slowID) == .requested)
            #expect(try await harness.wait(for: slowID, in: [.cancelled])?.state == .cancelled)
            #expect(!(try await server.sandboxes().values.contains { $0["swissagent_job"] == slowID }))
            worker.shutdown()
            await task.value
        }
    }

    @Test func theReaperKillsSandboxesLeftByDeadJobsOnly() async throws {
        let server = try E2BTestServer.shared.get()
        var mine = E2BConfig(apiKey: server.key, apiURL: server.base, sandboxURL: server.base)
        mine.owner = "reaper-test-\(JobID.make())"
        var theirs = mine
        theirs.owner = "someone-else-\(JobID.make())"
        let provider = E2BSandboxProvider(config: mine)
        _ = try await provider.open(jobID: "dead-job", env: [:])
        _ = try await provider.open(jobID: "live-job", env: [:])
        _ = try await E2BSandboxProvider(config: theirs).open(jobID: "not-ours", env: [:])
        let killed = try await provider.reapLeaks { $0 == "live-job" }
        #expect(killed == 1)
        let left = try await server.sandboxes().values.map { $0["swissagent_job"] ?? "" }
        #expect(!left.contains("dead-job"))
        #expect(left.contains("live-job") && left.contains("not-ours"))
    }
}

struct WorkerHarnessWaiter {
    let queue: RedisJobQueue
    func wait(for id: String, in states: Set<JobState>, seconds: Double = 60) async throws -> JobRecord? {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if let job = try await queue.job(id: id), states.contains(job.state) { return job }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await queue.job(id: id)
    }
}
