import AgentCore

/// Something the console does to the queue on the person's behalf.
public enum ConsoleAction: Sendable, Equatable {
    case requeue(ids: [String])
    /// Every failed job of the queue (or all) matching the filter text.
    case requeueMatching(queue: String?, filter: String)
    case cancel(id: String)
    case delete(ids: [String])
    case pause(queue: String)
    case resume(queue: String)
    /// Run the job in this process with the local sandbox (a failed one is copied first).
    case runLocally(id: String)
    /// Open the job's spec in $EDITOR and queue the edited copy.
    case editAndRequeue(id: String)
    case submit(path: String)
}
