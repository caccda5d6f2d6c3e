import AgentCore
import Foundation
import RedisQueue
import RedisTestSupport
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
            // The worker announced itself while it ran.
            #expect(try await tq.queue.workers().first?.id == h.worker.config.id)
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
            let h = try WorkerHarness(tq, lease: 1.5)
            let id = try await tq.queue.enqueue(job([sh("echo started; sleep 60")]))
            _ = try await h.wait(for: id, in: [.active])
            // Wait for the command to be running before cancelling.
            for _ in 0..<100 where try await tq.queue.readOutput(id: id, after: "", limit: 10, wait: 0).isEmpty {
                try await Task.sleep(for: .milliseconds(50))
            }
            let start = ContinuousClock.now
            #expect(try await tq.queue.cancel(id: id) == .requested)
            let cancelled = try #require(try await h.wait(for: id, in: [.cancelled], seconds: 10))
            #expect(cancelled.state == .cancelled)
            #expect(ContinuousClock.now - start < .seconds(5))
            #expect(cancelled.steps.first?.status == .cancelled)
            await h.stop()
        }
    }

    @Test func shutdownLetsJobsFinishWithinTheGracePeriod() async throws {
        try await TestQueue.with { tq async throws in
            let h = try WorkerHarness(tq, grace: 10)
            let id = try await tq.queue.enqueue(job([sh("sleep 1; echo finished")]))
            _ = try await h.wait(for: id, in: [.active])
            await h.stop()
            #expect(try await tq.queue.job(id: id)?.state == .succeeded)
        }
    }

    @Test func shutdownGivesBackWhatCannotFinish() async throws {
        try await TestQueue.with { tq async throws in
            let h = try WorkerHarness(tq, grace: 0.5)
            let id = try await tq.queue.enqueue(job([sh("sleep 60")]))
            _ = try await h.wait(for: id, in: [.active])
            try await Task.sleep(for: .milliseconds(300))
            let start = ContinuousClock.now
            await h.stop()
            #expect(ContinuousClock.now - start < .seconds(10))
            let back = try #require(try await tq.queue.job(id: id))
            #expect(back.state == .pending)
            #expect(back.attempts == 0)
            #expect(back.history.last?.event == "released")
        }
    }
}
