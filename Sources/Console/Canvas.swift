/// A style role: what a cell is, not what colour it is. Themes map roles to colours.
public enum Role: String, CaseIterable, Sendable {
    case text, dim, title, header, border, selection, mark, hint, hintKey = "hint.key", input
    case bannerError = "banner.error", bannerInfo = "banner.info", dialog, dialogTitle = "dialog.title"
    case paused, spark, ok, warn, error
    case statePending = "state.pending", stateActive = "state.active", stateRetrying = "state.retrying"
    case stateFailed = "state.failed", stateSucceeded = "state.succeeded", stateCancelled = "state.cancelled"
    case stateScheduled = "state.scheduled"
    case stdout = "output.stdout", stderr = "output.stderr", system = "output.system"
    case job0 = "job.0", job1 = "job.1", job2 = "job.2", job3 = "job.3", job4 = "job.4", job5 = "job.5"
    /// A tool call waiting for a person (last, so older snapshots keep their letters).
    case stateAwaiting = "state.awaiting"

    public static func state(_ s: String) -> Role { Role(rawValue: "state." + s) ?? .text }
    public static func job(_ n: Int) -> Role { [.job0, .job1, .job2, .job3, .job4, .job5][abs(n) % 6] }
}

/// One terminal cell: a grapheme (or "" where a wide one to the left spills over) and its role.
public struct Cell: Equatable, Sendable {
    public var text: String
    public var role: Role

    public init(_ text: String = " ", _ role: Role = .text) {
        self.text = text
        self.role = role
    }
}

/// What views draw into: a grid of cells that tests can read as text. Only the terminal backend
/// turns it into ncurses calls.
public struct Canvas: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: Cell(), count: self.width * self.height)
    }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set { cells[y * width + x] = newValue }
    }

    /// Writes `text` at (x, y), clipped to `maxWidth` columns (and the canvas); returns columns used.
    @discardableResult
    public mutating func put(_ x: Int, _ y: Int, _ text: String, _ role: Role = .text, maxWidth: Int? = nil) -> Int {
        guard y >= 0, y < height, x < width else { return 0 }
        let limit = min(width, x + (maxWidth ?? width))
        var col = x
        for ch in text {
            let w = ch.terminalWidth
            if w == 0 { continue }
            if ch == "\n" || ch == "\t" || ch == "\r" {
                if col < limit, col >= 0 { self[col, y] = Cell(" ", role) }
                col += 1
                continue
            }
            if col + w > limit { break }
            if col >= 0 {
                self[col, y] = Cell(String(ch), role)
                if w == 2, col + 1 < width { self[col + 1, y] = Cell("", role) }
            }
            col += w
        }
        return col - x
    }

    /// Writes text clipped to `maxWidth`, ending in "…" when it had to be cut.
    @discardableResult
    public mutating func putTruncated(_ x: Int, _ y: Int, _ text: String, _ role: Role = .text, maxWidth: Int) -> Int {
        guard maxWidth > 0 else { return 0 }
        if text.terminalWidth <= maxWidth { return put(x, y, text, role, maxWidth: maxWidth) }
        let used = put(x, y, text, role, maxWidth: maxWidth - 1)
        return used + put(x + used, y, "…", role, maxWidth: 1)
    }

    public mutating func fill(_ y: Int, _ role: Role, from x: Int = 0, to end: Int? = nil) {
        guard y >= 0, y < height else { return }
        for col in max(0, x)..<min(width, end ?? width) { self[col, y] = Cell(" ", role) }
    }

    /// Gives every cell of a row the role, keeping its text (for selections).
    public mutating func restyle(_ y: Int, _ role: Role) {
        guard y >= 0, y < height else { return }
        for col in 0..<width { self[col, y].role = role }
    }

    /// A row as plain text, trailing spaces trimmed.
    public func line(_ y: Int) -> String {
        var s = ""
        for col in 0..<width { s += self[col, y].text }
        while s.hasSuffix(" ") { s.removeLast() }
        return s
    }

    /// The whole grid as text, for snapshot tests.
    public var text: String { (0..<height).map(line).joined(separator: "\n") }
}

extension Character {
    /// Columns this character takes in a terminal: 0 for combining marks, 2 for wide East Asian
    /// characters and most emoji, else 1.
    public var terminalWidth: Int {
        guard let first = unicodeScalars.first else { return 0 }
        let v = first.value
        if v < 0x300 { return v < 0x20 && self != "\n" && self != "\t" ? 0 : 1 }
        if (0x300...0x36F).contains(v) || (0x200B...0x200F).contains(v) { return 0 }
        let wide: [ClosedRange<UInt32>] = [0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
                                           0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
                                           0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD]
        return wide.contains { $0.contains(v) } ? 2 : 1
    }
}

extension StringProtocol {
    public var terminalWidth: Int { reduce(0) { $0 + $1.terminalWidth } }
}
