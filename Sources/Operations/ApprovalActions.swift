import AgentCore
import Foundation

/// Approving and denying a waiting tool call, the same from every surface.
public enum ApprovalActions {
    /// The longest reason kept: it goes back to the model as the call's result.
    public static let maxReasonCharacters = 2_000

    /// Approves (`reason` nil) or denies the call job `id` waits on. A denial needs a reason.
    public static func decide(_ queue: any QueueOperator, id: String, approve: Bool, reason: String?, by who: String,
                              call: String? = nil, now: Date = Date()) async throws -> ActionOutcome {
        let why = reason.map { String($0.replacingOccurrences(of: "\n", with: " ").trimmingCharacters(in: .whitespaces).prefix(maxReasonCharacters)) }
            .flatMap { $0.isEmpty ? nil : $0 }
        if !approve && why == nil {
            return ActionOutcome(kind: .invalid, message: "a denial needs a reason: it goes back to the job as the call's result",
                                 code: "reason_required")
        }
        let decision = ApprovalDecision(approved: approve, by: who, reason: approve ? nil : why, at: now.timeIntervalSince1970)
        return try await queue.decideApproval(id: id, call: call, decision: decision).outcome(id)
    }

    /// Who decides from this process: "user@host (surface)".
    public static func person(surface: String) -> String {
        let user = ProcessInfo.processInfo.environment["USER"] ?? ProcessInfo.processInfo.environment["LOGNAME"] ?? "unknown"
        return "\(user)@\(ProcessInfo.processInfo.hostName) (\(surface))"
    }
}

extension ApprovalOutcome {
    public func outcome(_ id: String) -> ActionOutcome {
        switch self {
        case .approved: ActionOutcome(kind: .done, message: "approved the call \(id) waits on", code: "approved")
        case .denied: ActionOutcome(kind: .done, message: "denied the call \(id) waits on", code: "denied")
        case .missing: .notFound(id)
        case .nothingWaiting: ActionOutcome(kind: .conflict, message: "\(id) has no call waiting for approval", code: "nothing_waiting")
        case .alreadyDecided: ActionOutcome(kind: .conflict, message: "the call \(id) waits on was decided already", code: "already_decided")
        case .changed: ActionOutcome(kind: .conflict, message: "\(id) now waits on another call: look again", code: "call_changed")
        }
    }
}
