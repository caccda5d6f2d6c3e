import Foundation

/// The approval rules a job runs under (its own and its worker's) and how it asks a person.
public struct ApprovalGate: Sendable {
    public var rules: ApprovalRules
    /// Seconds a call waits before it counts as denied.
    public var timeoutSeconds: Double
    public var asker: any ApprovalAsking

    public init(rules: ApprovalRules, timeoutSeconds: Double, asker: any ApprovalAsking) {
        self.rules = rules
        self.timeoutSeconds = timeoutSeconds
        self.asker = asker
    }

    /// The worker's rules and the job's: nil when no call of the job can wait.
    public static func forJob(_ spec: JobSpec, worker: ApprovalRules, timeout: Double,
                              asker: @autoclosure () -> any ApprovalAsking) -> ApprovalGate? {
        let rules = worker.union(spec.approve)
        guard !rules.isEmpty else { return nil }
        // A job may ask for a shorter wait than its worker's, never a longer one.
        return ApprovalGate(rules: rules, timeoutSeconds: min(timeout, spec.approve?.timeoutSeconds ?? timeout), asker: asker())
    }

    /// Asks a person about the step (the rules gave `why` it waits) and waits for the decision.
    func ask(_ step: StepSpec, index: Int, why: String) async throws -> ApprovalDecision {
        let request = ApprovalRequest(id: JobID.make(now: Date()), step: index, tool: step.tool, input: step.input,
                                      network: step.network == true, reason: why, askedAt: Date().timeIntervalSince1970,
                                      timeoutSeconds: timeoutSeconds)
        return try await asker.decide(request)
    }
}

/// A model server asked for a longer wait than the worker holds a slot for (429 with Retry-After):
/// the attempt gives its job back, scheduled for `until` (unix seconds), and the next one resumes
/// from the journal.
public struct JobSnoozed: Error, Sendable {
    public var until: Double
    public var reason: String
}

/// The attempt gave its job up while a call waits for a person (`WorkerQueue.park`): not a failure,
/// and nothing to acknowledge. The next attempt goes on from the journal once the call is decided.
public struct JobParked: Error, Sendable {}

/// Asks through the job's queue: the request is stored with the job (so the console, the CLI and the
/// API see it). With `parks` (a run that resumes from its journal: an agent's), the job is parked
/// and the worker's slot is free at once; the attempt that resumes it takes the decision. Otherwise
/// the request is polled until someone decides or the timeout denies it, the job active and its
/// lease renewed meanwhile; if the worker dies, the reaper takes the request away with the job, and
/// the next attempt asks again.
public struct QueueApprovals: ApprovalAsking {
    let queue: any WorkerQueue
    let token: ClaimToken
    let parks: Bool
    var poll: Duration = .milliseconds(200)

    public init(queue: any WorkerQueue, token: ClaimToken, parks: Bool = false) {
        self.queue = queue
        self.token = token
        self.parks = parks
    }

    public func decide(_ request: ApprovalRequest) async throws -> ApprovalDecision {
        // Resumed after parking: the same call's decision is waiting.
        if let taken = try await queue.takeDecision(token), taken.request.tool == request.tool, taken.request.input == request.input {
            return taken.decision
        }
        // Parked when the queue takes it; refused (a cancel is pending, or the claim is gone), the
        // call waits here and the worker's renewal stops it.
        if parks, try await queue.park(token, request: request) { throw JobParked() }
        guard try await queue.askApproval(token, request: request) else { throw Self.notOurs }
        let deadline = ContinuousClock.now + .milliseconds(Int(request.timeoutSeconds * 1000))
        while true {
            let late = ContinuousClock.now >= deadline
            let timeout = late ? ApprovalDecision.timedOut(after: request.timeoutSeconds, at: Date().timeIntervalSince1970) : nil
            let settled: ApprovalSettlement
            do {
                settled = try await queue.settleApproval(token, requestID: request.id, timedOut: timeout)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                // Redis away for a moment: keep waiting (a long outage ends the lease, and the job with it).
                if late { throw error }
                try await Task.sleep(for: poll * 5)
                continue
            }
            switch settled {
            case .decided(let decision): return decision
            case .stale: throw Self.notOurs
            case .waiting: try await Task.sleep(for: poll)
            }
        }
    }

    static let notOurs = JobFailure("the job is no longer this worker's while a call waited for approval", kind: .retryable)
}
