import AgentCore
import Foundation
import RedisQueue
import Testing

/// Waiting tool calls, held to one behaviour in memory and in Redis: asked while the claim is
/// current, decided once by the first person, taken by the worker, denied by the clock, and gone
/// with the claim when the job leaves active.
@Suite struct ApprovalContractTests {
    func request(_ id: String, at: Double = 1_700_000_000) -> ApprovalRequest {
        ApprovalRequest(id: id, step: 0, tool: "shell", input: ["command": "rm -rf build"], network: false, reason: "shell calls need approval",
                        askedAt: at, timeoutSeconds: 600)
    }

    func person(_ approve: Bool, reason: String? = nil) -> ApprovalDecision {
        ApprovalDecision(approved: approve, by: "alice@ops (console)", reason: reason, at: 1_700_000_001)
    }

    func shell() -> JobSpec { JobSpec(steps: [StepSpec(tool: "shell", input: ["command": "true"])]) }

    @Test(arguments: QueueKind.allCases) func theFirstDecisionWinsAndTheWorkerTakesIt(kind: QueueKind) async throws {
        try await withQueue(kind) { q, _ in
            let id = try await q.enqueue(shell())
            #expect(try await q.decideApproval(id: id, call: nil, decision: person(true)) == .nothingWaiting)
            #expect(try await q.decideApproval(id: "no-such-job", call: nil, decision: person(true)) == .missing)
            let job = try #require(try await q.claim(queues: ["default"], worker: "w1", lease: 30, wait: 0))
            #expect(try await q.askApproval(job.token, request: request("r1")))
            #expect(try await q.stats(queue: "default").awaiting == 1)
            let waiting = try await q.awaiting(queue: "default", offset: 0, limit: 10)
            #expect(waiting.map(\.jobID) == [id] && waiting.first?.request == request("r1"))
            #expect(try await q.job(id: id)?.approval == request("r1"))
            #expect(try await q.settleApproval(job.token, requestID: "r1", timedOut: nil) == .waiting)
            #expect(try await q.decideApproval(id: id, call: "r0", decision: person(true)) == .changed)
            #expect(try await q.decideApproval(id: id, call: "r1", decision: person(false, reason: "not today")) == .denied)
            #expect(try await q.decideApproval(id: id, call: nil, decision: person(true)) == .alreadyDecided)
            // Decided: no longer awaiting, though the worker has not looked yet.
            #expect(try await q.stats(queue: "default").awaiting == 0)
            #expect(try await q.awaiting(queue: "default", offset: 0, limit: 10).isEmpty)
            #expect(try await q.job(id: id)?.approval == nil)
            #expect(try await q.settleApproval(job.token, requestID: "r1", timedOut: nil) == .decided(person(false, reason: "not today")))
            #expect(try await q.settleApproval(job.token, requestID: "r1", timedOut: nil) == .stale)
            #expect(try await q.decideApproval(id: id, call: nil, decision: person(true)) == .nothingWaiting)
            let history = try #require(try await q.job(id: id)).history
            let denied = try #require(history.first { $0.event == "denied" })
            #expect(history.map(\.event) == ["claimed", "approval_asked", "denied"])
            #expect(denied.by == "alice@ops (console)" && denied.note == "not today")
        }
    }

    /// A parked job: no worker, no lease, no attempt used; a decision wakes it at the front of
    /// pending, and the next claim takes the decision once.
    @Test(arguments: QueueKind.allCases) func aParkedJobWakesOnADecisionAtTheFront(kind: QueueKind) async throws {
        try await withQueue(kind) { q, _ in
            let id = try await q.enqueue(shell())
            let job = try #require(try await q.claim(queues: ["default"], worker: "w1", lease: 30, wait: 0))
            #expect(try await q.park(job.token, request: request("r1")))
            #expect(try await q.park(job.token, request: request("r1")) == false, "the claim went with the park")
            let parked = try #require(try await q.job(id: id))
            #expect(parked.state == .awaiting && parked.worker == nil && parked.leaseUntil == nil && parked.attempts == 0)
            #expect(parked.approval == request("r1"))
            let stats = try await q.stats(queue: "default")
            #expect(stats.awaiting == 1 && stats.parked == 1 && stats.active == 0 && stats.count(.awaiting) == 1)
            #expect(try await q.list(queue: "default", state: .awaiting, offset: 0, limit: 10).map(\.id) == [id])
            #expect(try await q.awaiting(queue: "default", offset: 0, limit: 10).map(\.jobID) == [id])
            #expect(try await q.reapExpiredLeases(queue: "default") == 0)
            #expect(try await q.requeue(id: id) == .notRequeueable(.awaiting))
            // Another job came meanwhile; the decided one goes first.
            let other = try await q.enqueue(shell())
            #expect(try await q.decideApproval(id: id, call: "r1", decision: person(true)) == .approved)
            #expect(try await q.job(id: id)?.state == .pending)
            #expect(try await q.stats(queue: "default").awaiting == 0)
            let again = try #require(try await q.claim(queues: ["default"], worker: "w2", lease: 30, wait: 0))
            #expect(again.id == id && again.attempt == 1)
            let taken = try #require(try await q.takeDecision(again.token))
            #expect(taken.request == request("r1") && taken.decision == person(true))
            #expect(try await q.takeDecision(again.token) == nil, "taken once")
            #expect(try await q.claim(queues: ["default"], worker: "w2", lease: 30, wait: 0)?.id == other)
            #expect(try await q.job(id: id)?.history.map(\.event) == ["claimed", "parked", "approved", "claimed"])
        }
    }

    /// No one decides in time: the promoter (no worker) denies it by the clock and wakes it; a
    /// parked job can be cancelled or deleted like a waiting one.
    @Test(arguments: QueueKind.allCases) func aParkedJobTimesOutWithoutAWorkerAndCanBeCancelled(kind: QueueKind) async throws {
        try await withQueue(kind) { q, clock in
            let clock = try #require(clock)
            let id = try await q.enqueue(shell())
            let job = try #require(try await q.claim(queues: ["default"], worker: "w1", lease: 30, wait: 0))
            #expect(try await q.park(job.token, request: request("r1")))
            clock.advance(599)
            #expect(try await q.promoteDue(queue: "default") == 0)
            clock.advance(2)
            #expect(try await q.promoteDue(queue: "default") == 1)
            #expect(try await q.job(id: id)?.state == .pending)
            let again = try #require(try await q.claim(queues: ["default"], worker: "w2", lease: 30, wait: 0))
            let taken = try #require(try await q.takeDecision(again.token))
            #expect(taken.decision.approved == false && taken.decision.by == "timeout")

            let second = try await q.enqueue(shell())
            let held = try #require(try await q.claim(id: second, worker: "w1", lease: 30))
            #expect(try await q.park(held.token, request: request("r2")))
            #expect(try await q.cancel(id: second) == .cancelled)
            #expect(try await q.stats(queue: "default").awaiting == 0)
            #expect(try await q.decideApproval(id: second, call: nil, decision: person(true)) == .nothingWaiting)
            #expect(try await q.delete(id: second) == .deleted)
        }
    }

    @Test(arguments: QueueKind.allCases) func theClockDeniesAndALateDecisionFindsNothing(kind: QueueKind) async throws {
        try await withQueue(kind) { q, _ in
            let id = try await q.enqueue(shell())
            let job = try #require(try await q.claim(queues: ["default"], worker: "w1", lease: 30, wait: 0))
            #expect(try await q.askApproval(job.token, request: request("r1")))
            let timeout = ApprovalDecision.timedOut(after: 600, at: 1_700_000_600)
            #expect(try await q.settleApproval(job.token, requestID: "r1", timedOut: timeout) == .decided(timeout))
            #expect(try await q.decideApproval(id: id, call: "r1", decision: person(true)) == .nothingWaiting)
            #expect(try await q.stats(queue: "default").awaiting == 0)
            #expect(try await q.job(id: id)?.history.last.map { [$0.event, $0.by ?? ""] } == ["denied", "timeout"])
        }
    }

    @Test(arguments: QueueKind.allCases) func aWaitingCallGoesWithTheClaim(kind: QueueKind) async throws {
        try await withQueue(kind) { q, clock in
            let clock = try #require(clock)
            // Reaped: a dead worker's call no longer waits, and its late look is stale.
            let a = try await q.enqueue(shell())
            let first = try #require(try await q.claim(queues: ["default"], worker: "w1", lease: 10, wait: 0))
            #expect(try await q.askApproval(first.token, request: request("r1")))
            clock.advance(11)
            #expect(try await q.reapExpiredLeases(queue: "default") == 1)
            #expect(try await q.stats(queue: "default").awaiting == 0)
            #expect(try await q.job(id: a)?.approval == nil)
            #expect(try await q.settleApproval(first.token, requestID: "r1", timedOut: nil) == .stale)
            #expect(try await q.askApproval(first.token, request: request("r1")) == false)
            // The next attempt asks anew; failing, completing and releasing each take the call away.
            let second = try #require(try await q.claim(queues: ["default"], worker: "w2", lease: 10, wait: 0))
            #expect(second.id == a)
            #expect(try await q.askApproval(second.token, request: request("r2")))
            #expect(try await q.decideApproval(id: a, call: "r1", decision: person(true)) == .changed)
            _ = try await q.fail(second.token, error: "cancelled by request", kind: .cancelled)
            #expect(try await q.stats(queue: "default").awaiting == 0)
            for end in ["complete", "release"] {
                _ = try await q.enqueue(shell())
                let job = try #require(try await q.claim(queues: ["default"], worker: "w3", lease: 10, wait: 0))
                #expect(try await q.askApproval(job.token, request: request("r-" + end)))
                #expect(try await q.stats(queue: "default").awaiting == 1)
                if end == "complete" { _ = try await q.complete(job.token, result: nil) } else { _ = try await q.release(job.token, reason: "shutdown") }
                #expect(try await q.stats(queue: "default").awaiting == 0, "\(end)")
                #expect(try await q.job(id: job.id)?.approval == nil)
            }
        }
    }
}
