import Foundation

/// A terminal colour: the terminal's default, one of the 16 named colours, a 256-palette index, or RGB.
public enum TermColor: Equatable, Hashable, Sendable {
    case `default`
    case index(Int)
    case rgb(Int, Int, Int)

    static let names = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]

    init?(_ text: String) {
        let t = text.lowercased()
        if t == "default" || t == "none" { self = .default; return }
        if let i = Self.names.firstIndex(of: t) { self = .index(i); return }
        if t.hasPrefix("bright-"), let i = Self.names.firstIndex(of: String(t.dropFirst(7))) { self = .index(i + 8); return }
        if t.hasPrefix("#"), t.count == 7, let v = Int(t.dropFirst(), radix: 16) {
            self = .rgb((v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff)
            return
        }
        if let n = Int(t), (0...255).contains(n) { self = .index(n); return }
        return nil
    }

    /// The nearest colour a terminal with `colors` colours can show (-1 = the terminal's default).
    public func resolved(colors: Int) -> Int {
        switch self {
        case .default: return -1
        case .index(let i): return colors >= 256 || i < colors ? i : (i < 16 ? i % 8 : Self.nearestBasic(Self.rgbOf(i)))
        case .rgb(let r, let g, let b):
            if colors >= 256 { return Self.nearest256(r, g, b) }
            return Self.nearestBasic((r, g, b)) % max(1, min(colors, 8))
        }
    }

    static func nearest256(_ r: Int, _ g: Int, _ b: Int) -> Int {
        func level(_ v: Int) -> Int { v < 48 ? 0 : v < 115 ? 1 : (v - 35) / 40 }
        let (lr, lg, lb) = (level(r), level(g), level(b))
        let cube = 16 + 36 * lr + 6 * lg + lb
        let steps = [0, 95, 135, 175, 215, 255]
        let cubeDist = sq(steps[lr] - r) + sq(steps[lg] - g) + sq(steps[lb] - b)
        let grey = max(0, min(23, ((r + g + b) / 3 - 3) / 10))
        let gv = 8 + grey * 10
        return sq(gv - r) + sq(gv - g) + sq(gv - b) < cubeDist ? 232 + grey : cube
    }

    static func nearestBasic(_ c: (Int, Int, Int)) -> Int {
        let basic = [(0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229)]
        return basic.indices.min { sq(basic[$0].0 - c.0) + sq(basic[$0].1 - c.1) + sq(basic[$0].2 - c.2)
            < sq(basic[$1].0 - c.0) + sq(basic[$1].1 - c.1) + sq(basic[$1].2 - c.2) } ?? 7
    }

    static func rgbOf(_ i: Int) -> (Int, Int, Int) {
        if i >= 232 { let v = 8 + (i - 232) * 10; return (v, v, v) }
        let n = i - 16, steps = [0, 95, 135, 175, 215, 255]
        return (steps[(n / 36) % 6], steps[(n / 6) % 6], steps[n % 6])
    }

    private static func sq(_ v: Int) -> Int { v * v }
}

public struct Style: Equatable, Hashable, Sendable {
    public var fg: TermColor = .default
    public var bg: TermColor = .default
    public var bold = false
    public var dim = false
    public var underline = false
    public var reverse = false

    public init(fg: TermColor = .default, bg: TermColor = .default, bold: Bool = false, dim: Bool = false, underline: Bool = false,
                reverse: Bool = false) {
        self.fg = fg
        self.bg = bg
        self.bold = bold
        self.dim = dim
        self.underline = underline
        self.reverse = reverse
    }

    /// `fg [on bg] [bold] [dim] [underline] [reverse]`, e.g. `black on cyan bold`.
    init?(spec: String) {
        var words = spec.split(separator: " ").map { String($0) }
        guard !words.isEmpty else { return nil }
        var style = Style()
        while let w = words.first {
            words.removeFirst()
            switch w.lowercased() {
            case "bold": style.bold = true
            case "dim": style.dim = true
            case "underline": style.underline = true
            case "reverse": style.reverse = true
            case "on":
                guard let b = words.first, let c = TermColor(b) else { return nil }
                style.bg = c
                words.removeFirst()
            default:
                guard let c = TermColor(w) else { return nil }
                style.fg = c
            }
        }
        self = style
    }
}

/// Role -> style. Built-in defaults; a theme file only overrides them (btop's model).
public struct Theme: Sendable {
    public var name: String
    public var styles: [Role: Style]
    /// False for mono (NO_COLOR, a terminal without colours): only bold/reverse/underline are used.
    public var color: Bool
    /// Lines of the file that were not understood, to show once.
    public var warnings: [String] = []

    public subscript(role: Role) -> Style { styles[role] ?? styles[.text] ?? Style() }

    public static let builtin: [Role: Style] = {
        var s: [Role: Style] = [:]
        func set(_ r: Role, _ spec: String) { s[r] = Style(spec: spec) }
        set(.text, "default"); set(.dim, "bright-black"); set(.title, "cyan bold"); set(.header, "bright-white bold")
        set(.border, "bright-black"); set(.selection, "black on cyan"); set(.mark, "yellow bold"); set(.hint, "bright-black")
        set(.hintKey, "cyan bold"); set(.input, "bright-white"); set(.bannerError, "bright-white on red bold")
        set(.bannerInfo, "black on yellow"); set(.dialog, "bright-white on blue"); set(.dialogTitle, "bright-yellow on blue bold")
        set(.paused, "yellow bold"); set(.spark, "green"); set(.ok, "green"); set(.warn, "yellow"); set(.error, "red bold")
        set(.statePending, "blue"); set(.stateActive, "cyan"); set(.stateRetrying, "yellow"); set(.stateFailed, "red")
        set(.stateSucceeded, "green"); set(.stateCancelled, "magenta"); set(.stateScheduled, "bright-blue")
        set(.stateAwaiting, "bright-yellow bold")
        set(.stdout, "default"); set(.stderr, "bright-red"); set(.system, "bright-black")
        set(.job0, "cyan"); set(.job1, "green"); set(.job2, "yellow"); set(.job3, "magenta"); set(.job4, "blue"); set(.job5, "bright-red")
        return s
    }()

    public static let themeNames = ["default", "light", "high-contrast", "mono"]

    /// A theme from text: `role = style` lines; lines starting with `#` are comments.
    public static func parse(_ text: String, name: String) -> Theme {
        var theme = Theme(name: name, styles: builtin, color: true)
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            // Only whole-line comments: "#" also starts an RGB colour.
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2, parts[0] == "color" {
                theme.color = parts[1] != "false"
                continue
            }
            guard parts.count == 2, let role = Role(rawValue: parts[0]) else {
                theme.warnings.append("\(name):\(n + 1): unknown key \"\(parts.first ?? line)\"")
                continue
            }
            guard let style = Style(spec: parts[1]) else {
                theme.warnings.append("\(name):\(n + 1): cannot read style \"\(parts[1])\"")
                continue
            }
            theme.styles[role] = style
        }
        return theme
    }

    /// `--theme NAME|PATH`: a path, or a name looked up in the themes directories.
    public static func load(_ nameOrPath: String, searchPaths: [String]) throws -> Theme {
        let fm = FileManager.default
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".theme") {
            guard let text = try? String(contentsOfFile: nameOrPath, encoding: .utf8) else {
                throw ThemeError("cannot read theme file \(nameOrPath)")
            }
            return parse(text, name: (nameOrPath as NSString).lastPathComponent)
        }
        for dir in searchPaths {
            let path = dir + "/" + nameOrPath + ".theme"
            if fm.fileExists(atPath: path), let text = try? String(contentsOfFile: path, encoding: .utf8) {
                return parse(text, name: nameOrPath + ".theme")
            }
        }
        if nameOrPath == "default" { return Theme(name: "default", styles: builtin, color: true) }
        if nameOrPath == "mono" { return mono }
        throw ThemeError("no theme named \(nameOrPath) (looked in \(searchPaths.joined(separator: ", ")))")
    }

    /// No colours: selection and banners by reverse video, emphasis by bold.
    public static let mono: Theme = {
        var t = Theme(name: "mono", styles: [:], color: false)
        for r in Role.allCases { t.styles[r] = Style() }
        for r in [Role.selection, .bannerError, .bannerInfo, .dialog, .dialogTitle] { t.styles[r] = Style(reverse: true) }
        for r in [Role.title, .header, .mark, .hintKey, .error, .paused, .stateFailed] { t.styles[r] = Style(bold: true) }
        t.styles[.dim] = Style(dim: true)
        t.styles[.hint] = Style(dim: true)
        return t
    }()
}

public struct ThemeError: Error, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}
