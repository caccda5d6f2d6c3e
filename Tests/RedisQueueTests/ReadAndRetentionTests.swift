import AgentCore
import Foundation
import RedisQueue
import RedisTestSupport
import Testing

@Suite struct ReadAndRetentionTests {
    @Test func outputStreamsAppendReadAndBlock() async throws {
        try await TestQueue.with { tq async throws in
            let q = tq.queue
            let id = try await q.enqueue(shellJob("x"))
            let job = try #require(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0))
            try await q.appendOutput(job.token, events: [
                OutputEvent(step: 0, stream: .stdout, text: "one\n"), OutputEvent(step: 0, stream: .stderr, text: "two\n"),
            ])
            let all = try await q.readOutput(id: id, after: "", limit: 100, wait: 0)
            #expect(all.map(\.text) == ["one\n", "two\n"])
            #expect(all.map(\.stream) == [.stdout, .stderr])
            #expect(try await q.readOutput(id: id, after: all[0].offset, limit: 100, wait: 0).map(\.text) == ["two\n"])

            // A reader waiting at the end wakes when output arrives.
            let reader = q.withNewConnection()
            async let next = reader.readOutput(id: id, after: all[1].offset, limit: 100, wait: 60)
            try await Task.sleep(for: .milliseconds(200))
            try await q.appendOutput(job.token, events: [OutputEvent(step: 1, stream: .stdout, text: "three\n")])
            let woken = try await next
            #expect(woken.map(\.text) == ["three\n"])
            #expect(woken.first?.step == 1)
        }
    }

    @Test func outputIsCapped() async throws {
        try await TestQueue.with(outputMaxEntries: 100) { tq async throws in
            let q = tq.queue
            let id = try await q.enqueue(shellJob("x"))
            let job = try #require(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0))
            for _ in 0..<10 {
                try await q.appendOutput(job.token, events: (0..<100).map { OutputEvent(step: 0, stream: .stdout, text: "line \($0)\n") })
            }
            let len = try await q.client.call("XLEN", Keys(prefix: tq.prefix).queue("default").output(id)).int ?? 0
            #expect(len >= 100 && len < 300)
        }
    }

    @Test func storedOutputIsCappedInBytesAcrossAttemptsAndSaysWhatWasDropped() async throws {
        try await TestQueue.with(outputMaxBytes: 1000) { tq async throws in
            let q = tq.queue
            let id = try await q.enqueue(shellJob("x"))
            let job = try #require(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0))
            let a = try await q.appendOutput(job.token, events: [OutputEvent(step: 0, stream: .stdout, text: String(repeating: "a", count: 600))])
            #expect(a == OutputAppend(.stored))
            // 401 bytes of room are left; "é" is two bytes and is never cut in half.
            let b = try await q.appendOutput(job.token, events: [OutputEvent(step: 0, stream: .stdout, text: "b" + String(repeating: "é", count: 300))])
            #expect(b == OutputAppend(.full, droppedBytes: 202))
            let c = try await q.appendOutput(job.token, events: [OutputEvent(step: 0, stream: .stderr, text: "more")])
            #expect(c == OutputAppend(.full, droppedBytes: 4))
            let stored = try await q.readOutput(id: id, after: "", limit: 100, wait: 0)
            let kept = stored.filter { $0.stream != .system }.map(\.text).joined()
            #expect(kept.utf8.count <= 1000)
            #expect(kept.hasSuffix("é"))
            #expect(stored.filter { $0.stream == .system }.map(\.text) == ["output past 1000 bytes is not kept"])

            // The cap is the job's, not the attempt's: the next attempt stores nothing more.
            _ = try await q.fail(job.token, error: "again", kind: .permanent)
            #expect(try await q.requeue(id: id) == .requeued)
            let again = try #require(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0))
            let d = try await q.appendOutput(again.token, events: [OutputEvent(step: 0, stream: .stdout, text: "x")])
            #expect(d == OutputAppend(.full, droppedBytes: 1))
        }
    }

    @Test func aStaleOrDeletedJobsOutputIsNotWritten() async throws {
        try await TestQueue.with { tq async throws in
            let q = tq.queue
            let id = try await q.enqueue(shellJob("x"))
            let job = try #require(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0))
            _ = try await q.fail(job.token, error: "gone", kind: .permanent)
            #expect(try await q.delete(id: id) == .deleted)
            let late = try await q.appendOutput(job.token, events: [OutputEvent(step: 0, stream: .stdout, text: "too late")])
            #expect(late.outcome == .stale)
            let keys = Keys(prefix: tq.prefix).queue("default")
            #expect(try await q.client.call("EXISTS", keys.output(id), keys.job(id), keys.job(id) + ":history").int == 0)
        }
    }

    @Test func statsAndPagesStayCheap() async throws {
        let clock = TestClock()
        try await TestQueue.with(clock: clock) { tq async throws in
            let q = tq.queue
            let ids = try await q.enqueue(batch: (0..<25).map { shellJob("echo \($0)") })
            clock.advance(90)
            let stats = try await q.stats(queue: "default")
            #expect(stats.pending == 25)
            #expect(stats.oldestPendingAge.map { abs($0 - 90) < 1 } == true)
            #expect(stats.processedPerMinute.count == 60)

            let first = try await q.list(queue: "default", state: .pending, offset: 0, limit: 10)
            #expect(first.map(\.id) == Array(ids.reversed().prefix(10)))
            #expect(first[0].tools == "shell")
            #expect(first[0].maxAttempts == 3)
            let last = try await q.list(queue: "default", state: .pending, offset: 20, limit: 10)
            #expect(last.map(\.id) == Array(ids.prefix(5).reversed()))
            #expect(try await q.list(queue: "default", state: .failed, offset: 0, limit: 10).isEmpty)
        }
    }

    @Test func workersHeartbeatAndExpire() async throws {
        try await TestQueue.with { tq async throws in
            let q = tq.queue
            let now = Date().timeIntervalSince1970
            let w = WorkerInfo(id: "host-1:42", host: "host-1", pid: 42, startedAt: now, heartbeatAt: now, queues: ["default"],
                               concurrency: 4, currentJobs: ["j1"])
            try await q.heartbeat(w, ttl: 30)
            #expect(try await q.workers() == [w])
            // Heartbeats stop: the record expires by itself.
            try await q.heartbeat(w, ttl: 0.2)
            try await Task.sleep(for: .milliseconds(800))
            #expect(try await q.workers().isEmpty)
            try await q.heartbeat(w, ttl: 10)
            try await q.removeWorker(id: w.id)
            #expect(try await q.workers().isEmpty)
        }
    }

    @Test func retentionDropsOldFinishedJobsAndCapsFailed() async throws {
        let clock = TestClock()
        let retention = RetentionPolicy(succeededSeconds: 60, failedSeconds: 3600, failedMaxCount: 3)
        try await TestQueue.with(clock: clock, retention: retention) { tq async throws in
            let q = tq.queue
            let done = try await q.enqueue(shellJob("ok"))
            let job = try #require(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0))
            try await q.appendOutput(job.token, events: [OutputEvent(step: 0, stream: .stdout, text: "out\n")])
            _ = try await q.complete(job.token, result: nil)
            var failed: [String] = []
            for i in 0..<5 {
                clock.advance(1)
                failed.append(try await q.enqueue(shellJob("bad \(i)", maxAttempts: 1)))
                let j = try #require(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0))
                _ = try await q.fail(j.token, error: "bad", kind: .retryable)
            }
            #expect(try await q.trim(queue: "default") == 2)  // the two oldest failed jobs, over the cap of 3
            #expect(try await q.job(id: failed[0]) == nil)
            #expect(try await q.job(id: failed[2]) != nil)
            #expect(try await q.job(id: done) != nil)
            clock.advance(61)
            #expect(try await q.trim(queue: "default") == 1)  // the succeeded job, past its retention
            #expect(try await q.job(id: done) == nil)
            let k = Keys(prefix: tq.prefix).queue("default")
            #expect(try await q.client.call("EXISTS", k.output(done), k.history(done)).int == 0)
            clock.advance(3600)
            #expect(try await q.trim(queue: "default") == 3)
            #expect(try await q.stats(queue: "default").failed == 0)
        }
    }
}
