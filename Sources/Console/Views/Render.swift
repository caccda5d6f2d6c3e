import AgentCore
import Foundation

/// Renders the whole screen: a pure function of state and data, so tests can read it as text.
public enum Render {
    public static func screen(_ state: ConsoleState, _ data: ConsoleData, width: Int, height: Int) -> Canvas {
        var c = Canvas(width: width, height: height)
        guard width >= 10, height >= 4 else {
            c.put(0, 0, "too small", .warn)
            return c
        }
        Chrome.header(&c, state, data)
        let body = Rect(x: 0, y: 2, width: width, height: max(0, height - 4))
        switch state.screen {
        case .queues: QueuesView.render(&c, body, state, data)
        case .jobs(let queue, let jobState): JobsView.render(&c, body, state, data, queue: queue, state: jobState)
        case .groups: GroupsView.render(&c, body, state, data)
        case .detail: DetailView.render(&c, body, state, data)
        case .output(let id): OutputView.render(&c, body, state, data, merged: id == nil)
        case .transcript: TranscriptView.render(&c, body, state, data)
        case .approvals: ApprovalsView.render(&c, body, state, data)
        case .workers: WorkersView.render(&c, body, state, data)
        case .help: HelpView.render(&c, body, state)
        }
        Chrome.title(&c, state, data)
        Chrome.footer(&c, state, data)
        if let confirm = state.confirm { Chrome.dialog(&c, confirm.question) }
        return c
    }

    /// A count as the screens write it ("987", "20.0k", "1.00M").
    public static func countLabel(_ n: Int) -> String { Fmt.count(n) }

    /// Rows a list screen shows at this height (everything but the two header and two footer rows).
    public static func listRows(height: Int) -> Int { max(1, height - 5) }
}

public struct Rect: Sendable {
    public var x: Int, y: Int, width: Int, height: Int
}

/// Small formatting helpers shared by the views.
enum Fmt {
    static func count(_ n: Int) -> String {
        if n < 10_000 { return String(n) }
        if n < 1_000_000 { return String(format: "%.1fk", Double(n) / 1000) }
        return String(format: "%.2fM", Double(n) / 1_000_000)
    }

    static func clock(_ d: Date) -> String {
        let f = DateFormatter()
        f.dateFormat = "HH:mm:ss"
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: d)
    }

    /// ▁▂▃▄▅▆▇█ over the values, squeezed to `width` by summing neighbours.
    static func sparkline(_ values: [Int], width: Int) -> String {
        guard width > 0, !values.isEmpty else { return "" }
        let per = max(1, Int((Double(values.count) / Double(width)).rounded(.up)))
        var buckets: [Int] = []
        var i = values.count
        while i > 0 && buckets.count < width {
            buckets.insert(values[max(0, i - per)..<i].reduce(0, +), at: 0)
            i -= per
        }
        let top = buckets.max() ?? 0
        let blocks = Array("▁▂▃▄▅▆▇█")
        return String(buckets.map { top == 0 ? blocks[0] : blocks[min(7, $0 * 7 / top)] })
    }

    static func oneLine(_ s: String?) -> String {
        guard let s, !s.isEmpty else { return "-" }
        return s.replacingOccurrences(of: "\n", with: " ")
    }

}

/// A table of columns: fixed widths, the last one takes the rest; columns that do not fit are dropped
/// from the right (so put the least important last, before the flexible one).
struct Table {
    struct Column {
        var title: String
        var width: Int
        var right = false
    }

    var columns: [Column]
    /// The flexible last column, if any.
    var rest: String?

    func fitted(_ width: Int) -> (columns: [Column], restWidth: Int) {
        var used = 0
        var cols: [Column] = []
        for col in columns {
            if used + col.width + (cols.isEmpty ? 0 : 1) > width - (rest == nil ? 0 : 8) { break }
            used += col.width + (cols.isEmpty ? 0 : 1)
            cols.append(col)
        }
        return (cols, max(0, width - used - 1))
    }

    func header(_ c: inout Canvas, _ r: Rect, y: Int) {
        let (cols, restWidth) = fitted(r.width)
        c.fill(y, .header)
        var x = r.x
        for col in cols {
            let pad = col.right ? String(repeating: " ", count: max(0, col.width - col.title.count)) + col.title : col.title
            c.put(x, y, pad, .header, maxWidth: col.width)
            x += col.width + 1
        }
        if let rest, restWidth > 0 { c.put(x, y, rest, .header, maxWidth: restWidth) }
    }

    func row(_ c: inout Canvas, _ r: Rect, y: Int, _ cells: [(String, Role)], rest: (String, Role)? = nil) {
        let (cols, restWidth) = fitted(r.width)
        var x = r.x
        for (i, col) in cols.enumerated() where i < cells.count {
            let (text, role) = cells[i]
            let w = text.terminalWidth
            if col.right && w < col.width {
                c.put(x + col.width - w, y, text, role, maxWidth: col.width)
            } else {
                c.putTruncated(x, y, text, role, maxWidth: col.width)
            }
            x += col.width + 1
        }
        if let rest, restWidth > 0 { c.putTruncated(x, y, rest.0, rest.1, maxWidth: restWidth) }
    }
}
