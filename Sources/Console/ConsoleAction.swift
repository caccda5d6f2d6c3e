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
    /// Queue an edited spec as a new job (after the editor).
    case queueEdited(original: String, specText: String)
    /// Approve the call the job waits on (`call`: the one the person saw).
    case approve(id: String, call: String)
    /// Deny it, with the reason the job gets back.
    case deny(id: String, call: String, reason: String)
    /// Ask for the message a fork of the job at `turn` says to the model ($EDITOR), then fork.
    case composeFork(id: String, turn: Int)
    /// A new job from the first `turn` turns of the job's journal, going on live.
    case fork(id: String, turn: Int, message: String?)
    /// Write what the screen shows (output lines, a transcript) to a file; `what` says how much, for the message.
    case save(path: String, text: String, what: String)
    /// Write one of the job's files (from the artifact store) to a file in the working directory.
    case saveFile(id: String, path: String)

    /// Whether it changes the queue (refused in a read-only console).
    public var writesQueue: Bool {
        switch self {
        case .save, .saveFile: false
        default: true
        }
    }
}
