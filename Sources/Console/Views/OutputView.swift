import AgentCore
import Foundation

/// A job's output as it is produced, or every active job's merged, each line tagged by job and step.
enum OutputView {
    /// The lines shown (after the filter), each as (prefix, text, role of the prefix, role of the text).
    static func visible(_ state: ConsoleState, _ data: ConsoleData, merged: Bool) -> [OutputLine] {
        guard !state.filter.isEmpty else { return data.output }
        let needle = state.filter.lowercased()
        return data.output.filter { $0.text.lowercased().contains(needle) || $0.jobID.contains(needle) }
    }

    static func render(_ c: inout Canvas, _ r: Rect, _ state: ConsoleState, _ data: ConsoleData, merged: Bool) {
        let lines = visible(state, data, merged: merged)
        if lines.isEmpty {
            c.put(1, r.y, merged ? "No output from active jobs yet." : "No output yet.", .dim)
            return
        }
        // Lay the lines out into rows (wrapped or cut), then show the window that ends at the bottom when following.
        var rows: [(prefix: String, prefixRole: Role, text: String, role: Role, index: Int)] = []
        for (i, line) in lines.enumerated() {
            var prefix = state.timestamps ? Fmt.clock(line.at) + " " : ""
            if merged { prefix += "\(line.jobID.suffix(8)) s\(line.step + 1) " }
            let role: Role = line.stream == .stderr ? .stderr : line.stream == .system || line.stream == .agent ? .system : .stdout
            let pr: Role = merged ? Role.job(jobColor(line.jobID)) : .dim
            let room = max(1, r.width - prefix.terminalWidth)
            if state.wrap && line.text.terminalWidth > room {
                var rest = Substring(line.text)
                var first = true
                while !rest.isEmpty {
                    var piece = ""
                    var w = 0
                    while let ch = rest.first, w + ch.terminalWidth <= room { piece.append(ch); w += ch.terminalWidth; rest.removeFirst() }
                    if piece.isEmpty, let ch = rest.first { piece.append(ch); rest.removeFirst() }
                    rows.append((first ? prefix : String(repeating: " ", count: prefix.terminalWidth), pr, piece, role, i))
                    first = false
                }
            } else {
                rows.append((prefix, pr, line.text, role, i))
            }
        }
        let top = state.follow ? max(0, rows.count - r.height) : max(0, min(state.scroll, rows.count - r.height))
        for (n, row) in rows.dropFirst(top).prefix(r.height).enumerated() {
            let y = r.y + n
            let used = c.put(r.x, y, row.prefix, row.prefixRole)
            c.putTruncated(r.x + used, y, row.text, row.role, maxWidth: r.width - used)
            if merged && !state.follow && row.index == state.selection { c.restyle(y, .selection) }
        }
    }

    static func jobColor(_ id: String) -> Int { id.unicodeScalars.reduce(0) { ($0 &* 31 &+ Int($1.value)) & 0xffff } }
}
