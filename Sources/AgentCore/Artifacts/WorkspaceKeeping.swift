/// Keeps a job's workspace beyond one attempt: checkpoints after turns, the right one back when a
/// run resumes or a fork starts, and the files whole when the job ends.
public protocol WorkspaceKeeping: Sendable {
    /// Stores the workspace if it changed since the last checkpoint. `turn` counts as the journal
    /// does (an agent's model calls; a plan's steps).
    func save(turn: Int) async throws
    /// Puts back the latest checkpoint at or before `turn` (a fork's: its original's at the turn it
    /// was forked from). nil when the job has none.
    func restore(turn: Int) async throws -> WorkspaceRestore?
    /// Stores the workspace as the job's files (it ended); returns the bytes the job holds in the store.
    @discardableResult
    func keep() async throws -> Int
    /// Where the job's objects are in the store (its key prefix), and what this attempt uploaded.
    var root: String { get }
    var uploadedBytes: Int { get async }
    /// Forgets the checkpoints after `turn`: a run that starts afresh, or goes on from an earlier
    /// point, must never be given back a workspace from the timeline it left.
    func discard(after turn: Int) async throws
}

/// What a restore put back, for the run to be told.
public struct WorkspaceRestore: Sendable, Equatable {
    public var turn: Int
    public var files: Int
    public var bytes: Int
    public var omitted: [String]
    public var omittedWhy: String?
    /// The attempt found its earlier sandbox again; `rewritten`: its files differed from the checkpoint and were put back.
    public var sameSandbox = false
    public var rewritten = true

    public init(turn: Int, files: Int, bytes: Int, omitted: [String] = [], omittedWhy: String? = nil) {
        self.turn = turn
        self.files = files
        self.bytes = bytes
        self.omitted = omitted
        self.omittedWhy = omittedWhy
    }

    /// Said to the model: where its files came from, and which are missing.
    public var note: String {
        var s = "Its workspace was restored as it was after turn \(turn) (\(files) file\(files == 1 ? "" : "s"), "
            + "\(HumanText.bytes(bytes))); programs earlier calls started are not running any more."
        if sameSandbox {
            s = "It goes on in the same sandbox, whose files were checked against the checkpoint after turn \(turn)"
                + (rewritten ? " and put back as they were then (some had changed or gone)" : " and are as they were then")
                + "; programs earlier calls started may have been stopped."
        }
        if !omitted.isEmpty {
            let shown = omitted.prefix(20).joined(separator: ", ")
            s += " Not restored" + (omittedWhy.map { " (\($0))" } ?? "") + ": " + shown
                + (omitted.count > 20 ? " and \(omitted.count - 20) more" : "") + "."
        }
        return s
    }
}

/// Makes a job's keeper, when the worker has an artifact store and the job's sandbox a workspace it can reach.
public protocol WorkspaceKeepers: Sendable {
    func keeper(for job: JobSpec, id: String, session: any SandboxSession) -> (any WorkspaceKeeping)?
    /// Removes everything under a gone job's artifact root (read back from the queue: checked first).
    func removeAll(root: String) async throws
}
