/// A key press, decoded from the terminal.
public enum Key: Equatable, Sendable {
    case char(Character)
    case ctrl(Character)
    case up, down, left, right, pageUp, pageDown, home, end
    case enter, escape, backspace, tab, backTab, delete
    case resize
    case function(Int)
    case unknown
}

/// What the loop should do after a key.
public struct KeyResult: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    public static let handled = KeyResult(rawValue: 1)
    public static let redraw = KeyResult(rawValue: 2)
    /// The data the screen needs changed: fetch now rather than at the next tick.
    public static let refetch = KeyResult(rawValue: 4)
    public static let quit = KeyResult(rawValue: 8)
}
