import AgentCore

/// The kinds of screen a binding can work on.
public enum ScreenKind: String, CaseIterable, Sendable {
    case queues, jobs, groups, detail, output, transcript, approvals, workers, help

    public var title: String {
        switch self {
        case .queues: "Queues"
        case .jobs: "Jobs"
        case .groups: "Error groups"
        case .detail: "Job detail"
        case .output: "Output"
        case .transcript: "Transcript"
        case .approvals: "Awaiting approval"
        case .workers: "Workers"
        case .help: "Help"
        }
    }
}

extension Screen {
    public var kind: ScreenKind {
        switch self {
        case .queues: .queues
        case .jobs: .jobs
        case .groups: .groups
        case .detail: .detail
        case .output: .output
        case .transcript: .transcript
        case .approvals: .approvals
        case .workers: .workers
        case .help: .help
        }
    }
}

/// What a binding's action sees besides the state it changes.
public struct BindingContext: Sendable {
    public let key: Key
    public let data: ConsoleData
    public let height: Int
}

/// One key binding: the keys, where they work, how the hint bar and the help screen name it, and
/// what it does. Dispatch, the hint bar and `?` help are all read from `Bindings.table`.
public struct Binding: Sendable {
    public let keys: [Key]
    /// Empty: every screen.
    public let screens: Set<ScreenKind>
    /// The hint bar's word for it; nil keeps it out of the hint bar (help only).
    public let hint: String?
    /// How the hint bar writes the keys, when not as the first key.
    public let hintKeys: String?
    public let help: String
    /// Changes the queue: refused (and not hinted) in a read-only console.
    public let writes: Bool
    let run: @Sendable (inout ConsoleState, BindingContext) -> (KeyResult, ConsoleAction?)

    init(_ keys: [Key], on screens: Set<ScreenKind> = [], hint: String? = nil, hintKeys: String? = nil, help: String,
         writes: Bool = false, _ run: @escaping @Sendable (inout ConsoleState, BindingContext) -> (KeyResult, ConsoleAction?)) {
        self.keys = keys
        self.screens = screens
        self.hint = hint
        self.hintKeys = hintKeys
        self.help = help
        self.writes = writes
        self.run = run
    }

    public func works(on kind: ScreenKind) -> Bool { screens.isEmpty || screens.contains(kind) }

    /// The keys as the help screen writes them.
    public var keyLabels: String { keys.map(\.label).joined(separator: " ") }
    /// The keys as the hint bar writes them.
    public var hintLabel: String { hintKeys ?? keys.first?.label ?? "" }
}

extension Key {
    /// How a person reads the key.
    public var label: String {
        switch self {
        case .char(" "): "Space"
        case .char(let c): String(c)
        case .ctrl(let c): "^" + c.uppercased()
        case .up: "↑"
        case .down: "↓"
        case .left: "←"
        case .right: "→"
        case .pageUp: "PgUp"
        case .pageDown: "PgDn"
        case .home: "Home"
        case .end: "End"
        case .enter: "Enter"
        case .escape: "Esc"
        case .backspace: "Bksp"
        case .tab: "Tab"
        case .backTab: "S-Tab"
        case .delete: "Del"
        case .resize: "resize"
        case .function(let n): "F\(n)"
        case .unknown: "?"
        }
    }
}
