import AgentCore
import Foundation

/// Which screen is showing.
public enum Screen: Equatable, Sendable {
    case queues
    /// Jobs of one state, of one queue (or all queues when nil).
    case jobs(queue: String?, state: JobState)
    /// Failed jobs grouped by error signature.
    case groups(queue: String?)
    case detail(id: String)
    /// One job's output, or (nil) a merged tail of every active job.
    case output(id: String?)
    /// A task job's transcript: its turns, calls and results, as they come.
    case transcript(id: String)
    /// Tool calls waiting for a person, of one queue (or all queues when nil).
    case approvals(queue: String?)
    case workers
    case help

    /// States the jobs screen cycles through with h/l and Tab.
    public static let cycle: [JobState] = [.pending, .active, .retrying, .failed, .succeeded, .cancelled, .scheduled]

    /// The tabs h/l and Tab move through: each state's jobs, with the calls awaiting approval after active.
    public static func tabs(queue: String?) -> [Screen] {
        var out = cycle.map { Screen.jobs(queue: queue, state: $0) }
        out.insert(.approvals(queue: queue), at: 2)
        return out
    }
}

/// A question the person must answer before an action runs.
public struct Confirmation: Sendable, Equatable {
    public var question: String
    public var action: ConsoleAction

    public init(question: String, action: ConsoleAction) {
        self.question = question
        self.action = action
    }
}

/// A denial being written: the job, the call seen, and the reason so far.
public struct DenialPrompt: Sendable, Equatable {
    public var id: String
    public var call: String
    public var reason = ""

    public init(id: String, call: String, reason: String = "") {
        self.id = id
        self.call = call
        self.reason = reason
    }
}

/// The console's UI state: pure data, changed only by key handling.
public struct ConsoleState: Sendable {
    public var screen: Screen = .queues
    public var back: [Screen] = []
    /// Index of the selected row in the current list (a job list's index is global, across pages).
    public var selection = 0
    /// First line shown, for the detail and output screens.
    public var scroll = 0
    public var filter = ""
    public var editingFilter = false
    /// The `:` command line while it is open.
    public var command: String?
    public var marks: Set<String> = []
    public var confirm: Confirmation?
    /// The reason being typed for a denial, while the prompt is open.
    public var denial: DenialPrompt?
    public var message: (text: String, error: Bool)?
    public var follow = true
    public var wrap = false
    public var timestamps = false
    /// Transcript entries shown whole (a tool's result is folded to a few lines otherwise), by index.
    public var unfolded: Set<Int> = []
    public var readOnly = false

    public init(readOnly: Bool = false) { self.readOnly = readOnly }

    public mutating func go(_ to: Screen) {
        if to == screen { return }
        back.append(screen)
        if back.count > 50 { back.removeFirst() }
        screen = to
        selection = 0
        scroll = 0
        filter = ""
        follow = true
        unfolded = []
        if case .jobs = to {} else { marks = [] }
    }

    public mutating func goBack() {
        guard let prev = back.popLast() else { return }
        screen = prev
        selection = 0
        scroll = 0
        filter = ""
    }
}

/// Redis as the console last saw it.
public enum RedisStatus: Sendable, Equatable {
    case connecting
    case up
    case down(reason: String, retryAt: Date)
}

/// One line of job output, for the output screens.
public struct OutputLine: Sendable, Equatable {
    public var jobID: String
    public var step: Int
    public var stream: OutputEvent.Stream
    public var text: String
    public var at: Date
    /// The chunk it came in did not end the line: the next chunk of the same stream continues it
    /// (a model's words arrive a few at a time).
    public var open: Bool

    public init(jobID: String, step: Int, stream: OutputEvent.Stream, text: String, at: Date, open: Bool = false) {
        self.jobID = jobID
        self.step = step
        self.stream = stream
        self.text = text
        self.at = at
        self.open = open
    }

    /// Appends `new` to `lines`, joining a line left open with the next piece of the same stream.
    /// With `cap`, only the newest `cap` lines are kept.
    public static func append(_ new: [OutputLine], to lines: inout [OutputLine], cap: Int? = nil) {
        defer { if let cap, lines.count > cap { lines.removeFirst(lines.count - cap) } }
        for line in new {
            if var last = lines.last, last.open, last.jobID == line.jobID, last.step == line.step, last.stream == line.stream {
                last.text += line.text
                last.open = line.open
                lines[lines.count - 1] = last
            } else {
                lines.append(line)
            }
        }
    }
}

public struct ErrorGroup: Sendable, Equatable {
    public var signature: String
    public var count: Int
    public var example: String
    public var ids: [String]
    public var queues: Set<String>

    public init(signature: String, count: Int, example: String, ids: [String], queues: Set<String>) {
        self.signature = signature
        self.count = count
        self.example = example
        self.ids = ids
        self.queues = queues
    }
}

/// Everything the console shows, as last read from Redis. Views render from this alone.
public struct ConsoleData: Sendable {
    public var redis: RedisStatus = .connecting
    public var redisAddress = ""
    public var queues: [QueueStats] = []
    public var workers: [WorkerInfo] = []
    /// The window of the current job list that is loaded, starting at `listOffset`.
    public var list: [JobSummary] = []
    public var listOffset = 0
    /// Rows in the current list: the state's count, or the number of filter matches.
    public var listTotal = 0
    /// With a filter: how many of the newest jobs were searched.
    public var filterScanned: Int?
    public var filterMatchIDs: [String] = []
    public var listKey = ""
    public var groups: [ErrorGroup] = []
    /// The waiting calls of the approvals screen, longest waiting first.
    public var approvals: [AwaitingApproval] = []
    public var detail: JobRecord?
    /// The detail's job's files (kept when it ended), as last read from the artifact store.
    public var files: JobFilesSnapshot?
    public var output: [OutputLine] = []
    public var outputKey = ""
    /// The transcript screen's job's transcript, as followed so far.
    public var transcript = TranscriptFeed()
    public var now = Date()

    public init() {}

    public var orphaned: Int { queues.reduce(0) { $0 + $1.orphaned } }
    public var awaiting: Int { queues.reduce(0) { $0 + $1.awaiting } }

    /// The loaded row at a global index, if loaded.
    public func row(_ index: Int) -> JobSummary? {
        let i = index - listOffset
        return i >= 0 && i < list.count ? list[i] : nil
    }
}
