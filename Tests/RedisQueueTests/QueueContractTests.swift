import AgentCore
import Foundation
import RedisQueue
import RedisTestSupport
import Testing

/// The two queue implementations, held to one behaviour: every test here runs against the
/// in-memory queue and against Redis (under a key prefix of its own).
enum QueueKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case memory, redis
    var testDescription: String { rawValue }
}

struct QueueSettings: Sendable {
    var clock: TestClock? = TestClock()
    var retry = RetryPolicy(base: 5, cap: 60, jitter: 0)
    var retention = RetentionPolicy()
    var maxOrphans = 10
    var outputMaxBytes = 16 << 20
    var transcriptMaxBytes = 4 << 20
}

/// Runs `body` on a fresh queue of the kind; Redis keys are removed afterwards, pass or fail.
func withQueue(_ kind: QueueKind, _ settings: QueueSettings = QueueSettings(),
               _ body: (any JobQueue, TestClock?) async throws -> Void) async throws {
    switch kind {
    case .memory:
        let clock = settings.clock
        let now: @Sendable () -> Date = if let clock { { clock.now } } else { { Date() } }
        var policy = MemoryQueuePolicy()
        policy.retry = settings.retry
        policy.retention = settings.retention
        policy.maxOrphans = settings.maxOrphans
        policy.outputMaxBytes = settings.outputMaxBytes
        policy.transcriptMaxBytes = settings.transcriptMaxBytes
        try await body(MemoryJobQueue(policy, clock: now), clock)
    case .redis:
        try await TestQueue.with(clock: settings.clock, retry: settings.retry, retention: settings.retention,
                                 maxOrphans: settings.maxOrphans, outputMaxBytes: settings.outputMaxBytes,
                                 transcriptMaxBytes: settings.transcriptMaxBytes) { tq in
            try await body(tq.queue, settings.clock)
        }
    }
}

private func job(_ command: String = "true", queue: String = "default", tenant: String? = nil, maxAttempts: Int = 3,
                 id: String? = nil, metadata: [String: JSONValue] = [:]) -> JobSpec {
    var spec = JobSpec(id: id, queue: queue, tenant: tenant, steps: [StepSpec(tool: "shell", input: ["command": .string(command)])],
                       maxAttempts: maxAttempts, metadata: metadata)
    spec.id = id
    return spec
}

@Suite struct QueueContractTests {
    @Test(arguments: QueueKind.allCases) func aJobGoesFromPendingToSucceeded(kind: QueueKind) async throws {
        try await withQueue(kind) { q, _ in
            let id = try await q.enqueue(job())
            #expect(try await q.queues() == ["default"])
            #expect(try await q.stats(queue: "default").pending == 1)
            let claimed = try #require(try await q.claim(queues: ["default"], worker: "w1", lease: 30, wait: 0))
            #expect(claimed.id == id && claimed.attempt == 1)
            #expect(try await q.stats(queue: "default").active == 1)
            #expect(try await q.complete(claimed.token, result: "ok") == .succeeded)
            #expect(try await q.complete(claimed.token, result: "ok") == .duplicate)
            let stats = try await q.stats(queue: "default")
            #expect(stats.active == 0 && stats.succeeded == 1 && stats.processedPerMinute.reduce(0, +) == 1)
            let record = try #require(try await q.job(id: id))
            #expect(record.state == .succeeded && record.result == "ok")
            #expect(record.history.map(\.event) == ["claimed", "succeeded", "ack_ignored"])
            #expect(try await q.claim(queues: ["default"], worker: "w1", lease: 30, wait: 0) == nil)
        }
    }

    @Test(arguments: QueueKind.allCases) func claimsAreOldestFirstAndCompleteHandsOverTheNext(kind: QueueKind) async throws {
        try await withQueue(kind) { q, _ in
            let ids = try await q.enqueue(batch: (0..<30).map { job("echo \($0)") })
            #expect(Set(ids).count == 30)
            var claimed: [String] = []
            var next = try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0)
            while let current = next {
                claimed.append(current.id)
                let (outcome, following) = try await q.complete(current.token, result: nil, next: ClaimRequest(worker: "w", lease: 30))
                #expect(outcome == .succeeded)
                next = following
            }
            #expect(claimed == ids)
            // The newest first when listed.
            #expect(try await q.list(queue: "default", state: .succeeded, offset: 0, limit: 3).count == 3)
        }
    }

    @Test(arguments: QueueKind.allCases) func aGivenIDIsStoredOnceAndCanBeClaimedByName(kind: QueueKind) async throws {
        try await withQueue(kind) { q, _ in
            #expect(try await q.enqueue(job(id: "order-7")) == "order-7")
            #expect(try await q.enqueue(job("other", id: "order-7")) == "order-7")
            _ = try await q.enqueue(job(id: "order-8"))
            #expect(try await q.stats(queue: "default").pending == 2)
            let claimed = try #require(try await q.claim(id: "order-8", worker: "w", lease: 30))
            #expect(claimed.id == "order-8")
            #expect(try await q.claim(id: "order-8", worker: "w", lease: 30) == nil)
            #expect(try await q.claim(id: "nope", worker: "w", lease: 30) == nil)
            #expect(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0)?.id == "order-7")
        }
    }

    /// A job stored already claimed is never pending: no other consumer can take it, and it acks as any other.
    @Test(arguments: QueueKind.allCases) func aJobStoredClaimedIsNeverPending(kind: QueueKind) async throws {
        try await withQueue(kind) { q, _ in
            let mine = try #require(try await q.enqueueClaimed(job("echo here", id: "here-1"), worker: "console", lease: 30))
            #expect(mine.id == "here-1" && mine.attempt == 1 && mine.specJSON.contains("echo here"))
            #expect(try await q.enqueueClaimed(job(id: "here-1"), worker: "console", lease: 30) == nil)
            let stats = try await q.stats(queue: "default")
            #expect(stats.pending == 0 && stats.active == 1)
            #expect(try await q.queues() == ["default"])
            #expect(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0) == nil)
            let record = try #require(try await q.job(id: "here-1"))
            #expect(record.state == .active && record.worker == "console" && record.history.map(\.event) == ["claimed"])
            #expect(try await q.renew([mine.token], worker: "console", lease: 30) == [mine.token: .ok])
            #expect(try await q.complete(mine.token, result: "done") == .succeeded)
            #expect(try await q.job(id: "here-1")?.result == "done")
        }
    }

    @Test(arguments: QueueKind.allCases) func aLostLeaseGoesBackAndTheOldClaimIsStale(kind: QueueKind) async throws {
        try await withQueue(kind) { q, clock in
            let clock = try #require(clock)
            let id = try await q.enqueue(job())
            let first = try #require(try await q.claim(queues: ["default"], worker: "w1", lease: 10, wait: 0))
            #expect(try await q.renew([first.token], worker: "w1", lease: 10) == [first.token: .ok])
            clock.advance(11)
            #expect(try await q.stats(queue: "default").orphaned == 1)
            #expect(try await q.reapExpiredLeases(queue: "default") == 1)
            #expect(try await q.renew([first.token], worker: "w1", lease: 10) == [first.token: .lost])
            let second = try #require(try await q.claim(queues: ["default"], worker: "w2", lease: 10, wait: 0))
            #expect(second.id == id && second.attempt == 2 && second.claim == first.claim + 1)
            #expect(try await q.complete(first.token, result: nil) == .stale)
            #expect(try await q.fail(first.token, error: "late", kind: .retryable) == .stale)
            #expect(try await q.appendOutput(first.token, events: [OutputEvent(step: 0, stream: .stdout, text: "late")]).outcome == .stale)
            #expect(try await q.complete(second.token, result: nil) == .succeeded)
            let record = try #require(try await q.job(id: id))
            #expect(record.orphaned == 1)
            #expect(record.history.map(\.event) == ["claimed", "orphaned", "claimed", "ack_ignored", "ack_ignored", "succeeded"])
            #expect(try await q.readOutput(id: id, after: "", limit: 10, wait: 0).isEmpty)
        }
    }

    @Test(arguments: QueueKind.allCases) func aJobOrphanedTooOftenFails(kind: QueueKind) async throws {
        var settings = QueueSettings()
        settings.maxOrphans = 2
        try await withQueue(kind, settings) { q, clock in
            let clock = try #require(clock)
            let id = try await q.enqueue(job())
            for _ in 0..<2 {
                _ = try #require(try await q.claim(queues: ["default"], worker: "w", lease: 5, wait: 0))
                clock.advance(6)
                #expect(try await q.reapExpiredLeases(queue: "default") == 1)
            }
            let record = try #require(try await q.job(id: id))
            #expect(record.state == .failed)
            #expect(record.lastError?.contains("lease expired 2 times") == true)
        }
    }

    @Test(arguments: QueueKind.allCases) func retriesWaitTheirBackoffThenFail(kind: QueueKind) async throws {
        try await withQueue(kind) { q, clock in
            let clock = try #require(clock)
            let id = try await q.enqueue(job(maxAttempts: 2))
            let first = try #require(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0))
            #expect(try await q.fail(first.token, error: "boom 1", kind: .retryable) == .retrying)
            #expect(try await q.fail(first.token, error: "boom 1", kind: .retryable) == .duplicate)
            #expect(try await q.stats(queue: "default").retrying == 1)
            #expect(try await q.promoteDue(queue: "default") == 0)
            clock.advance(5.1)
            #expect(try await q.promoteDue(queue: "default") == 1)
            let second = try #require(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0))
            #expect(second.attempt == 2)
            #expect(try await q.fail(second.token, error: "boom 2", kind: .retryable) == .failed)
            let record = try #require(try await q.job(id: id))
            #expect(record.state == .failed && record.lastError == "boom 2")
            #expect(record.errors.map(\.error) == ["boom 1", "boom 1", "boom 2"])
            #expect(record.history.last?.note == "attempts used up")
            #expect(try await q.stats(queue: "default").failedPerMinute.reduce(0, +) == 2)

            let permanent = try await q.enqueue(job(maxAttempts: 5))
            let claim = try #require(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0))
            #expect(claim.id == permanent)
            #expect(try await q.fail(claim.token, error: "unknown tool", kind: .permanent) == .failed)
            #expect(try await q.job(id: permanent)?.history.last?.note == "not retryable")
        }
    }

    @Test(arguments: QueueKind.allCases) func aReleasedJobIsNextAndKeepsItsAttempt(kind: QueueKind) async throws {
        try await withQueue(kind) { q, _ in
            let ids = try await q.enqueue(batch: [job("a"), job("b")])
            let first = try #require(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0))
            #expect(try await q.release(first.token, reason: "shutting down"))
            #expect(try await !q.release(first.token, reason: "again"))
            let again = try #require(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0))
            #expect(again.id == ids[0] && again.attempt == 1)
        }
    }

    /// Snoozed (a model server asked for a long wait): scheduled for then, no attempt used, no worker held.
    @Test(arguments: QueueKind.allCases) func aSnoozedJobWaitsAsScheduledWithoutUsingAnAttempt(kind: QueueKind) async throws {
        try await withQueue(kind) { q, clock in
            let clock = try #require(clock)
            let id = try await q.enqueue(job())
            let claimed = try #require(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0))
            let until = clock.now.timeIntervalSince1970 + 40
            #expect(try await q.release(claimed.token, reason: "rate limited", until: until))
            let snoozed = try #require(try await q.job(id: id))
            #expect(snoozed.state == .scheduled && snoozed.attempts == 0 && snoozed.history.last?.event == "snoozed")
            #expect(try await q.stats(queue: "default").active == 0)
            clock.advance(39)
            #expect(try await q.promoteDue(queue: "default") == 0)
            clock.advance(2)
            #expect(try await q.promoteDue(queue: "default") == 1)
            #expect(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0)?.attempt == 1)
        }
    }

    @Test(arguments: QueueKind.allCases) func cancelStopsWaitingJobsAndAsksRunningOnes(kind: QueueKind) async throws {
        try await withQueue(kind) { q, _ in
            let waiting = try await q.enqueue(job())
            #expect(try await q.cancel(id: waiting) == .cancelled)
            #expect(try await q.cancel(id: waiting) == .alreadyFinished(.cancelled))
            #expect(try await q.cancel(id: "nope") == .notFound)
            let running = try await q.enqueue(job())
            let claimed = try #require(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0))
            #expect(claimed.id == running)
            #expect(try await q.cancel(id: running) == .requested)
            #expect(try await q.renew([claimed.token], worker: "w", lease: 30) == [claimed.token: .cancelRequested])
            #expect(try await q.fail(claimed.token, error: "cancelled by request", kind: .cancelled) == .cancelled)
            let stats = try await q.stats(queue: "default")
            #expect(stats.cancelled == 2 && stats.active == 0 && stats.pending == 0)
        }
    }

    @Test(arguments: QueueKind.allCases) func requeueAndDeleteSayWhatTheyDid(kind: QueueKind) async throws {
        try await withQueue(kind) { q, _ in
            let id = try await q.enqueue(job(maxAttempts: 1))
            #expect(try await q.requeue(id: id) == .notRequeueable(.pending))
            let claimed = try #require(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0))
            #expect(try await q.delete(id: id) == .active)
            #expect(try await q.fail(claimed.token, error: "x", kind: .retryable) == .failed)
            #expect(try await q.requeue(id: id) == .requeued)
            let record = try #require(try await q.job(id: id))
            #expect(record.state == .pending && record.attempts == 0 && record.history.last?.note == "from failed")
            #expect(try await q.requeue(id: "nope") == .notFound)
            #expect(try await q.delete(id: id) == .deleted)
            #expect(try await q.job(id: id) == nil)
            #expect(try await q.delete(id: id) == .notFound)
            #expect(try await q.stats(queue: "default").pending == 0)
        }
    }

    @Test(arguments: QueueKind.allCases) func bulkRequeueTakesOnlyTheMatchingFailures(kind: QueueKind) async throws {
        try await withQueue(kind) { q, _ in
            for (i, tenant) in ["acme", "acme", "globex"].enumerated() {
                _ = try await q.enqueue(job(tenant: tenant, maxAttempts: 1))
                let c = try #require(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0))
                _ = try await q.fail(c.token, error: i == 0 ? "disk full" : "timeout", kind: .retryable)
            }
            #expect(try await q.countFailed(queue: nil, filter: JobFilter()) == 3)
            #expect(try await q.countFailed(queue: "default", filter: JobFilter(text: "TIMEOUT")) == 2)
            #expect(try await q.countFailed(queue: nil, filter: JobFilter(text: "time", tenant: "acme")) == 1)
            #expect(try await q.requeueFailed(queue: nil, filter: JobFilter(tenant: "acme")) == 2)
            #expect(try await q.stats(queue: "default").failed == 1)
            #expect(try await q.stats(queue: "default").pending == 2)
        }
    }

    /// A bulk requeue whose pattern runs out of time changes nothing and says why.
    @Test(.timeLimit(.minutes(2)), arguments: QueueKind.allCases) func aRunawayBulkFilterRequeuesNothing(kind: QueueKind) async throws {
        try await withQueue(kind) { q, _ in
            for error in ["aaa!", String(repeating: "a", count: 40) + "!"] {
                _ = try await q.enqueue(job(maxAttempts: 1))
                let c = try #require(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0))
                _ = try await q.fail(c.token, error: error, kind: .retryable)
            }
            let runaway = JobFilter(text: "(a+)+$", regex: true)
            // Short budgets: a match holds one of the test process's two cooperative threads.
            await JobFilter.$bulkRegexSeconds.withValue(0.05) {
                await #expect(throws: FilterTooSlow.self) { _ = try await q.requeueFailed(queue: nil, filter: runaway) }
                await #expect(throws: FilterTooSlow.self) { _ = try await q.countFailed(queue: "default", filter: runaway) }
            }
            #expect(try await q.stats(queue: "default").failed == 2)
            #expect(try await q.requeueFailed(queue: nil, filter: JobFilter(text: "^a{3}!$", regex: true)) == 1)
        }
    }

    @Test(arguments: QueueKind.allCases) func aPausedQueueHandsOutNothing(kind: QueueKind) async throws {
        try await withQueue(kind) { q, _ in
            _ = try await q.enqueue(job())
            try await q.setPaused(queue: "default", true)
            #expect(try await q.stats(queue: "default").paused)
            #expect(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0) == nil)
            try await q.setPaused(queue: "default", false)
            #expect(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0.5) != nil)
        }
    }

    @Test(arguments: QueueKind.allCases) func aScheduledJobWaitsForItsTime(kind: QueueKind) async throws {
        try await withQueue(kind) { q, clock in
            let clock = try #require(clock)
            var spec = job()
            spec.runAt = clock.now.timeIntervalSince1970 + 60
            let id = try await q.enqueue(spec)
            #expect(try await q.job(id: id)?.state == .scheduled)
            #expect(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0) == nil)
            clock.advance(61)
            #expect(try await q.promoteDue(queue: "default") == 1)
            #expect(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0)?.id == id)
        }
    }

    @Test(arguments: QueueKind.allCases) func outputIsKeptInOrderUpToItsCap(kind: QueueKind) async throws {
        var settings = QueueSettings()
        settings.outputMaxBytes = 10
        try await withQueue(kind, settings) { q, _ in
            let id = try await q.enqueue(job())
            let c = try #require(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0))
            #expect(try await q.appendOutput(c.token, events: [OutputEvent(step: 0, stream: .stdout, text: "hello, ")]) == OutputAppend(.stored))
            let full = try await q.appendOutput(c.token, events: [OutputEvent(step: 0, stream: .stderr, text: "wörld!!")])
            #expect(full == OutputAppend(.full, droppedBytes: 5))
            _ = try await q.appendOutput(c.token, events: [OutputEvent(step: 1, stream: .system, text: "note")])
            let events = try await q.readOutput(id: id, after: "", limit: 100, wait: 0)
            #expect(events.map(\.text) == ["hello, ", "wö", "output past 10 bytes is not kept", "note"])
            #expect(events.map(\.stream) == [.stdout, .stderr, .system, .system])
            let rest = try await q.readOutput(id: id, after: events[1].offset, limit: 100, wait: 0)
            #expect(rest.map(\.text) == ["output past 10 bytes is not kept", "note"])
            #expect(try await q.readOutput(id: id, after: events[3].offset, limit: 100, wait: 0.2).isEmpty)
        }
    }

    /// A typed event is one JSON object: past the cap it is dropped whole, never cut.
    @Test(arguments: QueueKind.allCases) func agentEventsAreKeptWholeOrNotAtAll(kind: QueueKind) async throws {
        var settings = QueueSettings()
        settings.outputMaxBytes = 60
        try await withQueue(kind, settings) { q, _ in
            let id = try await q.enqueue(job())
            let c = try #require(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0))
            let small = TranscriptEntry(.toolCall, "{}", tool: "shell").json()
            let large = TranscriptEntry(.toolCall, String(repeating: "x", count: 40), tool: "shell").json()
            _ = try await q.appendOutput(c.token, events: [OutputEvent(step: 0, stream: .agent, text: small)])
            let full = try await q.appendOutput(c.token, events: [OutputEvent(step: 0, stream: .agent, text: large)])
            #expect(full == OutputAppend(.full, droppedBytes: large.utf8.count))
            let events = try await q.readOutput(id: id, after: "", limit: 100, wait: 0)
            #expect(events.map(\.stream) == [.agent, .system] && events.first?.text == small)
            #expect(events.first?.shown == "agent calls shell {}\n")
        }
    }

    /// The transcript is capped like output, and counts every model call on the job, even past its cap.
    @Test(arguments: QueueKind.allCases) func theTranscriptIsCappedAndCountsEveryModelCall(kind: QueueKind) async throws {
        var settings = QueueSettings()
        settings.transcriptMaxBytes = 300
        try await withQueue(kind, settings) { q, _ in
            let id = try await q.enqueue(job())
            let c = try #require(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0))
            #expect(try await q.transcript(id: id).isEmpty)
            #expect(try await q.job(id: id)?.agent == nil)
            let call = TranscriptEntry(.modelCall, "turn 1", inputTokens: 120, outputTokens: 30, dollars: 0.00125, seconds: 0.4, at: 1_700_000_000)
            #expect(try await q.appendTranscript(c.token, model: "m1", entries: [TranscriptEntry(.user, "the task"), call]) == OutputAppend(.stored))
            let long = TranscriptEntry(.toolResult, String(repeating: "y", count: 400), tool: "shell", callID: "c1")
            let full = try await q.appendTranscript(c.token, model: "m1", entries: [long, call])
            #expect(full.outcome == .full && full.droppedBytes > 400)
            let stored = try await q.transcript(id: id)
            #expect(stored.map(\.kind) == [.user, .modelCall, .note])
            #expect(stored[1] == call && stored[2].text == "transcript past 300 bytes is not kept")
            let usage = try #require(try await q.job(id: id)?.agent)
            #expect(usage.model == "m1" && usage.turns == 2 && usage.inputTokens == 240 && usage.outputTokens == 60)
            #expect(abs(usage.dollars - 0.0025) < 1e-12)
            // A writer whose claim is gone changes nothing.
            let stale = ClaimToken(id: c.id, queue: c.queue, claim: c.claim + 1, attempt: 1)
            #expect(try await q.appendTranscript(stale, model: "m1", entries: [call]) == OutputAppend(.stale))
            #expect(try await q.job(id: id)?.agent?.turns == 2)
            #expect(try await q.fail(c.token, error: "x", kind: .permanent) == .failed)
            #expect(try await q.delete(id: id) == .deleted)
            #expect(try await q.transcript(id: id).isEmpty)
        }
    }

    @Test(arguments: QueueKind.allCases) func stepRecordsBelongToTheCurrentClaim(kind: QueueKind) async throws {
        try await withQueue(kind) { q, _ in
            let id = try await q.enqueue(job())
            let c = try #require(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0))
            try await q.record(c.token, steps: [StepRecord(tool: "shell", status: .running)], sandbox: "local", usage: (2, 0.5))
            let stale = ClaimToken(id: c.id, queue: c.queue, claim: c.claim + 1, attempt: 1)
            try await q.record(stale, steps: [], sandbox: "elsewhere", usage: nil)
            let record = try #require(try await q.job(id: id))
            #expect(record.steps.map(\.status) == [.running] && record.sandbox == "local")
            #expect(record.sandboxSeconds == 2 && record.costUSD == 0.5)
            #expect(try await q.list(queue: "default", state: .active, offset: 0, limit: 1).first?.step?.of == 1)
        }
    }

    @Test(arguments: QueueKind.allCases) func retentionDropsOldFinishedJobs(kind: QueueKind) async throws {
        var settings = QueueSettings()
        settings.retention = RetentionPolicy(succeededSeconds: 60, failedSeconds: 3600, failedMaxCount: 2)
        try await withQueue(kind, settings) { q, clock in
            let clock = try #require(clock)
            for i in 0..<4 {
                _ = try await q.enqueue(job(maxAttempts: 1))
                let c = try #require(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0))
                if i == 0 { _ = try await q.complete(c.token, result: nil) } else { _ = try await q.fail(c.token, error: "e\(i)", kind: .permanent) }
                clock.advance(1)
            }
            #expect(try await q.trim(queue: "default") == 1)  // the oldest failure, over the count
            clock.advance(60)
            #expect(try await q.trim(queue: "default") == 1)  // the success, past its time
            let stats = try await q.stats(queue: "default")
            #expect(stats.succeeded == 0 && stats.failed == 2)
            #expect(try await q.list(queue: "default", state: .failed, offset: 0, limit: 10).map(\.lastError) == ["e3", "e2"])
        }
    }

    @Test(arguments: QueueKind.allCases) func workersLastAsLongAsTheirHeartbeat(kind: QueueKind) async throws {
        try await withQueue(kind) { q, _ in
            let now = Date().timeIntervalSince1970
            let a = WorkerInfo(id: "wa", host: "h", pid: 1, startedAt: now, heartbeatAt: now, queues: ["default"], concurrency: 1, currentJobs: [])
            var b = a
            b.id = "wb"
            b.heartbeatAt = now + 1
            try await q.heartbeat(a, ttl: 60)
            try await q.heartbeat(b, ttl: 60)
            #expect(try await q.workers().map(\.id) == ["wa", "wb"])
            // A heartbeat with a short life: the worker is gone once it passes, the other stays.
            // The clock starts before the call: a late return cannot make the life look shorter.
            let start = ContinuousClock.now
            try await q.heartbeat(a, ttl: 0.5)
            while try await q.workers().count > 1, ContinuousClock.now - start < .seconds(20) { try await Task.sleep(for: .milliseconds(100)) }
            #expect(ContinuousClock.now - start >= .milliseconds(400))
            #expect(try await q.workers().map(\.id) == ["wb"])
            try await q.removeWorker(id: "wb")
            #expect(try await q.workers().isEmpty)
        }
    }

    /// A tenant's jobs, a page at a time across two queues: every one exactly once, newest first
    /// within a queue, and each page full until the last.
    @Test(arguments: QueueKind.allCases) func findPagesThroughATenantsJobs(kind: QueueKind) async throws {
        try await withQueue(kind) { q, _ in
            var acme: [String: [String]] = [:]
            for name in ["alpha", "beta"] {
                let specs = (0..<700).map { i in job(queue: name, tenant: i % 3 == 0 ? "acme" : "globex", metadata: ["n": .number(Double(i))]) }
                let ids = try await q.enqueue(batch: specs)
                acme[name] = zip(ids, specs).filter { $0.1.tenant == "acme" }.map(\.0).reversed()
            }
            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let page = try await q.find(queue: nil, state: .pending, filter: JobFilter(tenant: "acme"), cursor: cursor, limit: 100)
                #expect(page.rows.allSatisfy { $0.tenant == "acme" })
                if page.next != nil { #expect(page.rows.count == 100) }
                seen += page.rows.map(\.id)
                cursor = page.next
                pages += 1
            } while cursor != nil && pages < 100
            #expect(seen == (acme["alpha"] ?? []) + (acme["beta"] ?? []))
            #expect(pages == 5)

            let one = try await q.find(queue: "beta", state: .pending, filter: JobFilter(text: "n=699"), limit: 10)
            #expect(one.rows.count == 1 && one.rows.first?.queue == "beta")
            let capped = try await q.find(queue: "alpha", state: .pending, filter: JobFilter(text: "no such thing"), cursor: nil, limit: 10,
                                          scanLimit: 250)
            #expect(capped.rows.isEmpty && capped.scanned == 250)
            let rest = try await q.find(queue: "alpha", state: .pending, filter: JobFilter(), cursor: capped.next, limit: 1000)
            #expect(rest.rows.count == 450 && rest.next == nil)
            await #expect(throws: JobCursorError.self) {
                _ = try await q.find(queue: nil, state: .pending, filter: JobFilter(), cursor: "lots", limit: 10)
            }
            await #expect(throws: JobCursorError.self) {
                _ = try await q.find(queue: "alpha", state: .pending, filter: JobFilter(), cursor: "3@beta", limit: 10)
            }
        }
    }

    /// A filter whose pattern backtracks without end ends its page once its budget is spent, with a
    /// cursor past the job it gave up on, instead of holding the reader for hours.
    @Test(.timeLimit(.minutes(2)), arguments: QueueKind.allCases) func aRunawayPatternEndsThePageNotTheReader(kind: QueueKind) async throws {
        try await withQueue(kind) { q, _ in
            let bait = String(repeating: "a", count: 40) + "!"
            _ = try await q.enqueue(batch: (0..<5).map { i in job(queue: "runaway", metadata: ["k": .string(i == 2 ? bait : "aaa")]) })
            let filter = JobFilter(text: "=(a+)+$", regex: true)
            var pages: [JobPage] = []
            var cursor: String?
            try await JobFilter.$regexSeconds.withValue(0.2) {
                repeat {
                    let page = try await q.find(queue: "runaway", state: .pending, filter: filter, cursor: cursor, limit: 10)
                    pages.append(page)
                    cursor = page.next
                } while cursor != nil && pages.count < 10
            }
            // The first page stops before the job it gave up on; the next starts at it, gives up on it
            // as its first row and moves past it; the last goes on to the end.
            #expect(pages.map(\.scanned) == [2, 1, 2], "\(pages.map(\.scanned))")
            #expect(pages.flatMap(\.rows).count == 4)
        }
    }

    /// Output that fills the cap exactly is stored; the next byte is dropped with the one note.
    @Test(arguments: QueueKind.allCases) func outputThatFillsTheCapExactly(kind: QueueKind) async throws {
        var settings = QueueSettings()
        settings.outputMaxBytes = 10
        try await withQueue(kind, settings) { q, _ in
            let id = try await q.enqueue(job())
            let c = try #require(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0))
            #expect(try await q.appendOutput(c.token, events: [OutputEvent(step: 0, stream: .stdout, text: "0123456789")]) == OutputAppend(.stored))
            #expect(try await q.appendOutput(c.token, events: [OutputEvent(step: 0, stream: .stdout, text: "")]) == OutputAppend(.stored))
            #expect(try await q.appendOutput(c.token, events: [OutputEvent(step: 0, stream: .stdout, text: "x")]) == OutputAppend(.full, droppedBytes: 1))
            #expect(try await q.appendOutput(c.token, events: [OutputEvent(step: 0, stream: .stdout, text: "yz")]) == OutputAppend(.full, droppedBytes: 2))
            let texts = try await q.readOutput(id: id, after: "", limit: 100, wait: 0).map(\.text)
            #expect(texts == ["0123456789", "", "output past 10 bytes is not kept"])
        }
    }

    /// Jobs due at the same moment, and leases that ran out, come back in one order in both.
    @Test(arguments: QueueKind.allCases) func promotedAndReapedJobsKeepTheirOrder(kind: QueueKind) async throws {
        try await withQueue(kind) { q, clock in
            let clock = try #require(clock)
            let at = clock.now.timeIntervalSince1970 + 30
            let specs = ["job-c", "job-a", "job-b"].map { id -> JobSpec in var s = job(id: id); s.runAt = at; return s }
            _ = try await q.enqueue(batch: specs)
            clock.advance(31)
            #expect(try await q.promoteDue(queue: "default") == 3)
            var order: [String] = []
            var claims: [ClaimedJob] = []
            for lease in [60.0, 10, 30] {
                let c = try #require(try await q.claim(queues: ["default"], worker: "w", lease: lease, wait: 0))
                order.append(c.id)
                claims.append(c)
            }
            #expect(order == ["job-a", "job-b", "job-c"])
            clock.advance(61)
            #expect(try await q.reapExpiredLeases(queue: "default") == 3)
            var again: [String] = []
            while let c = try await q.claim(queues: ["default"], worker: "w", lease: 60, wait: 0) { again.append(c.id) }
            // Reaped earliest lease first, each to the front of the line: the latest lease runs first.
            #expect(again == ["job-a", "job-c", "job-b"])
        }
    }

    @Test(arguments: QueueKind.allCases) func usageIsKeptToTheMillisecondAndTheMillionth(kind: QueueKind) async throws {
        try await withQueue(kind) { q, _ in
            let id = try await q.enqueue(job())
            let c = try #require(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0))
            try await q.record(c.token, steps: [], sandbox: "e2b:x", usage: (1.23456, 4e-7))
            let record = try #require(try await q.job(id: id))
            #expect(record.sandboxSeconds == 1.235 && record.costUSD == 0)
        }
    }

    /// Each attempt's sandbox time counts once, whichever attempt records it, and a retried record does not count twice.
    @Test(arguments: QueueKind.allCases) func usageSumsTheAttemptsOfOneKeptSandbox(kind: QueueKind) async throws {
        try await withQueue(kind) { q, _ in
            let id = try await q.enqueue(job())
            let first = try #require(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0))
            try await q.record(first.token, steps: [], sandbox: "e2b:x", usage: (10, 0.5))
            try await q.record(first.token, steps: [], sandbox: "e2b:x", usage: (10, 0.5))
            _ = try await q.release(first.token, reason: "parked", until: nil)
            let second = try #require(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0))
            #expect(second.sandbox == "e2b:x", "the next attempt is told where the last one ran")
            try await q.record(second.token, steps: [], sandbox: "e2b:x", usage: (2.5, 0.25))
            let record = try #require(try await q.job(id: id))
            #expect(record.sandboxSeconds == 12.5 && record.costUSD == 0.75)
        }
    }

    /// A job's artifact root goes to the sweeper's list when the job is deleted or trimmed, and the
    /// bytes it held leave the queue's metrics; a stale claim records nothing.
    @Test(arguments: QueueKind.allCases) func aGoneJobsArtifactsAreHandedToTheSweeper(kind: QueueKind) async throws {
        var settings = QueueSettings()
        settings.retention = RetentionPolicy(succeededSeconds: 60, failedSeconds: 3600, failedMaxCount: 100)
        try await withQueue(kind, settings) { q, clock in
            let clock = try #require(clock)
            var roots: [String] = []
            for i in 0..<2 {
                let id = try await q.enqueue(job(tenant: "acme"))
                let c = try #require(try await q.claim(queues: ["default"], worker: "w", lease: 30, wait: 0))
                try await q.recordArtifacts(c.token, root: "acme/\(id)/", held: 1000 * (i + 1), uploaded: 4000)
                _ = try await q.complete(c.token, result: nil)
                #expect(try await q.job(id: id)?.artifactBytes == 1000 * (i + 1))
                roots.append("acme/\(id)/")
            }
            var m = try await q.metrics(queue: "default")
            #expect(m.artifactStored == 3000 && m.artifactUploaded == 8000)
            #expect(try await q.takeGoneArtifacts(queue: "default", limit: 10).isEmpty)
            let first = String(roots[0].dropFirst(5).dropLast())
            #expect(try await q.delete(id: first) == .deleted)
            #expect(try await q.takeGoneArtifacts(queue: "default", limit: 10) == [roots[0]])
            clock.advance(120)
            #expect(try await q.trim(queue: "default") == 1)
            let taken = try await q.takeGoneArtifacts(queue: "default", limit: 10)
            #expect(taken == [roots[1]])
            try await q.giveBackGoneArtifacts(queue: "default", taken)
            #expect(try await q.takeGoneArtifacts(queue: "default", limit: 10) == [roots[1]])
            m = try await q.metrics(queue: "default")
            #expect(m.artifactStored == 0 && m.artifactUploaded == 8000)
        }
    }

    /// A page asked for with no room still moves on: following `next` always ends.
    @Test(arguments: QueueKind.allCases) func everyCursorMovesOn(kind: QueueKind) async throws {
        try await withQueue(kind) { q, _ in
            _ = try await q.enqueue(batch: (0..<5).map { _ in job() })
            var cursor: String?, pages = 0
            repeat {
                let page = try await q.find(queue: nil, state: .pending, filter: JobFilter(), cursor: cursor, limit: 0, scanLimit: 0)
                #expect(page.rows.count <= 1)
                cursor = page.next
                pages += 1
            } while cursor != nil && pages < 20
            #expect(pages == 5)
        }
    }
}
