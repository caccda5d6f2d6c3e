import AgentCore

/// What an action on one job came to, worded once for every surface: the CLI prints `message`
/// (and fails unless `done`), the API answers with `status` and `code`, the console shows it.
public struct ActionOutcome: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Done, at once or (a running job's cancel) as soon as its worker acts.
        case done, accepted
        /// The job's state does not allow it.
        case conflict
        case notFound
        /// The request itself is wrong (a denial without a reason).
        case invalid
    }

    public var kind: Kind
    public var message: String
    /// A stable word for programs (the API's error code).
    public var code: String

    public init(kind: Kind, message: String, code: String) {
        self.kind = kind
        self.message = message
        self.code = code
    }

    public var done: Bool { kind == .done || kind == .accepted }

    /// The HTTP status an API answers with.
    public var status: Int {
        switch kind {
        case .done: 200
        case .accepted: 202
        case .conflict: 409
        case .notFound: 404
        case .invalid: 400
        }
    }

    public static func notFound(_ id: String) -> ActionOutcome { ActionOutcome(kind: .notFound, message: "no job with id \(id)", code: "not_found") }
}

extension RequeueOutcome {
    public func outcome(_ id: String) -> ActionOutcome {
        switch self {
        case .requeued: ActionOutcome(kind: .done, message: "requeued \(id)", code: "requeued")
        case .notRequeueable(let s): ActionOutcome(kind: .conflict, message: "\(id) is \(s.rawValue), not requeued", code: "not_requeueable")
        case .notFound: .notFound(id)
        }
    }
}

extension CancelOutcome {
    public func outcome(_ id: String) -> ActionOutcome {
        switch self {
        case .cancelled: ActionOutcome(kind: .done, message: "cancelled \(id)", code: "cancelled")
        case .requested: ActionOutcome(kind: .accepted, message: "cancel requested for \(id): its worker will stop it", code: "cancel_requested")
        case .alreadyFinished(let s): ActionOutcome(kind: .conflict, message: "\(id) is already \(s.rawValue)", code: "already_finished")
        case .notFound: .notFound(id)
        }
    }
}

extension DeleteOutcome {
    public func outcome(_ id: String) -> ActionOutcome {
        switch self {
        case .deleted: ActionOutcome(kind: .done, message: "deleted \(id)", code: "deleted")
        case .active: ActionOutcome(kind: .conflict, message: "\(id) is running: cancel it first", code: "job_active")
        case .notFound: .notFound(id)
        }
    }
}

/// Several jobs acted on at once, summed up in one line ("requeued 3 jobs; not: a is active").
public enum BatchSummary {
    public static func line(_ verb: String, _ outcomes: [ActionOutcome]) -> String {
        let done = outcomes.filter(\.done).count
        let refused = outcomes.filter { !$0.done }.map(\.message)
        return "\(verb) \(done) job\(done == 1 ? "" : "s")" + (refused.isEmpty ? "" : "; not: " + refused.prefix(3).joined(separator: ", "))
    }
}
