import CNcurses
import Foundation

/// The only code that calls ncurses. Every call happens on the console's UI thread.
public final class CursesTerminal: Terminal {
    private typealias Window = UnsafeMutablePointer<WINDOW>
    private let theme: Theme
    private let colors: Int
    private var pairs: [Style: Int32] = [:]
    private var previous: Canvas?
    private var closed = false
    public private(set) var isGone = false
    /// Polls in a row that said "readable" yet gave no key: what a terminal at end of file looks like.
    private var emptyReads = 0

    /// Fails (instead of exiting, as initscr would) when the terminal is unknown or missing.
    public init(theme: Theme) throws {
        setlocale(LC_ALL, "")
        guard let term = ProcessInfo.processInfo.environment["TERM"], !term.isEmpty else {
            throw ConsoleError("the console needs a terminal: TERM is not set")
        }
        guard cncurses_newterm(nil) != nil else { throw ConsoleError("the console cannot drive this terminal (TERM=\(term))") }
        Self.installCrashHandlers()
        raw()  // Ctrl-C arrives as a key, so the console can quit cleanly
        noecho()
        _ = cncurses_keypad(1)
        set_escdelay(25)
        _ = cncurses_curs_set(0)
        var colorCount = 0
        if theme.color && has_colors() && ProcessInfo.processInfo.environment["NO_COLOR"] == nil {
            start_color()
            use_default_colors()
            colorCount = Int(cncurses_colors())
        }
        colors = colorCount
        self.theme = colorCount > 0 ? theme : Theme.mono
    }

    deinit { close() }

    public var width: Int { Int(cncurses_width()) }
    public var height: Int { Int(cncurses_height()) }

    public func draw(_ canvas: Canvas) {
        let full = previous.map { $0.width != canvas.width || $0.height != canvas.height } ?? true
        if full { _ = cncurses_clearok() }
        for y in 0..<canvas.height {
            if !full, let prev = previous, (0..<canvas.width).allSatisfy({ prev[$0, y] == canvas[$0, y] }) { continue }
            drawRow(canvas, y)
        }
        previous = canvas
        _ = cncurses_refresh()
    }

    private func drawRow(_ canvas: Canvas, _ y: Int) {
        var x = 0
        while x < canvas.width {
            let role = canvas[x, y].role
            var run: [wchar_t] = []
            let start = x
            while x < canvas.width, canvas[x, y].role == role {
                for scalar in canvas[x, y].text.unicodeScalars { run.append(wchar_t(bitPattern: scalar.value)) }
                x += 1
            }
            apply(theme[role])
            // The bottom-right cell cannot be written without scrolling; leave it.
            let count = (y == canvas.height - 1 && x == canvas.width) ? max(0, run.count - 1) : run.count
            run.withUnsafeBufferPointer { buf in
                if let base = buf.baseAddress { _ = cncurses_put(Int32(y), Int32(start), base, Int32(count)) }
            }
        }
    }

    private func apply(_ style: Style) {
        var attrs = cncurses_a_normal()
        if style.bold { attrs |= cncurses_a_bold() }
        if style.dim { attrs |= cncurses_a_dim() }
        if style.underline { attrs |= cncurses_a_underline() }
        if style.reverse { attrs |= cncurses_a_reverse() }
        _ = cncurses_style(attrs, colors > 0 ? pair(style) : 0)
    }

    private func pair(_ style: Style) -> Int32 {
        if let p = pairs[style] { return p }
        let n = Int32(pairs.count + 1)
        guard n < cncurses_color_pairs() else { return 0 }
        init_extended_pair(n, Int32(style.fg.resolved(colors: colors)), Int32(style.bg.resolved(colors: colors)))
        pairs[style] = n
        return n
    }

    /// Waits for input with poll(2) rather than in ncurses, which answers ERR at once, for ever, on
    /// a terminal that is gone (a deleted pty, no SIGHUP): the console spun at 60% of a core.
    public func readKey(timeoutMs: Int) -> Key? {
        if let key = readBuffered() { return key }  // ncurses may hold typed-ahead input
        var pfd = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
        let n = poll(&pfd, 1, Int32(timeoutMs))
        if n < 0 {
            if errno != EINTR { isGone = true }
            return nil
        }
        if n == 0 { emptyReads = 0; return nil }
        if pfd.revents & Int16(POLLNVAL) != 0 { isGone = true; return nil }
        if let key = readBuffered() { return key }
        emptyReads += 1
        if pfd.revents & Int16(POLLHUP | POLLERR) != 0 || emptyReads >= 3 { isGone = true }
        return nil
    }

    private func readBuffered() -> Key? {
        _ = cncurses_timeout(0)
        guard let key = decodeKey() else { return nil }
        emptyReads = 0
        return key
    }

    private func decodeKey() -> Key? {
        var ch: wint_t = 0
        let kind = cncurses_read(&ch)
        if kind == ERR { return nil }
        if kind == KEY_CODE_YES {
            switch Int32(ch) {
            case KEY_UP: return .up
            case KEY_DOWN: return .down
            case KEY_LEFT: return .left
            case KEY_RIGHT: return .right
            case KEY_NPAGE: return .pageDown
            case KEY_PPAGE: return .pageUp
            case KEY_HOME: return .home
            case KEY_END: return .end
            case KEY_BTAB: return .backTab
            case KEY_BACKSPACE: return .backspace
            case KEY_DC: return .delete
            case KEY_ENTER: return .enter
            case KEY_RESIZE: return .resize
            default: return .unknown
            }
        }
        switch ch {
        case 10, 13: return .enter
        case 27: return .escape
        case 127, 8: return .backspace
        case 9: return .tab
        case 1...26: return .ctrl(Character(UnicodeScalar(UInt8(ch) + 96)))
        default:
            guard let scalar = UnicodeScalar(UInt32(ch)) else { return .unknown }
            return .char(Character(scalar))
        }
    }

    public func suspend() {
        endwin()
    }

    public func resume() {
        previous = nil
        _ = cncurses_refresh()
    }

    public func close() {
        if closed { return }
        closed = true
        endwin()
    }

    /// Puts the terminal back before a crash report, so the shell is usable afterwards.
    private static func installCrashHandlers() {
        for sig in [SIGSEGV, SIGABRT, SIGBUS, SIGILL, SIGFPE] {
            signal(sig) { s in
                endwin()
                signal(s, SIG_DFL)
                raise(s)
            }
        }
    }
}

public struct ConsoleError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
