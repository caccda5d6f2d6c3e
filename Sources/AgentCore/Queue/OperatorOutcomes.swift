import Foundation

public enum CancelOutcome: Sendable, Equatable {
    case cancelled
    /// Active: the worker running it was signalled and will stop it.
    case requested
    case alreadyFinished(JobState)
    case notFound
}

/// `notRequeueable`: the job is pending or active (the state says which).
public enum RequeueOutcome: Sendable, Equatable { case requeued, notRequeueable(JobState), notFound }

/// `active`: refused, a running job is cancelled first.
public enum DeleteOutcome: Sendable, Equatable { case deleted, active, notFound }
