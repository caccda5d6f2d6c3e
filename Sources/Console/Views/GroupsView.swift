import AgentCore

/// Failed jobs grouped by error signature (numbers and ids masked), biggest group first.
enum GroupsView {
    static let table = Table(columns: [.init(title: "COUNT", width: 7, right: true), .init(title: "QUEUES", width: 14)],
                             rest: "ERROR SIGNATURE")

    static func render(_ c: inout Canvas, _ r: Rect, _ state: ConsoleState, _ data: ConsoleData) {
        table.header(&c, r, y: r.y)
        if data.groups.isEmpty {
            c.put(1, r.y + 1, "No failed jobs.", .dim)
            return
        }
        let rows = max(1, r.height - 1)
        let first = max(0, min(state.selection - rows / 2, data.groups.count - rows))
        for (i, g) in data.groups.enumerated().dropFirst(first).prefix(rows) {
            let y = r.y + 1 + i - first
            table.row(&c, r, y: y, [(String(g.count), .stateFailed), (g.queues.sorted().joined(separator: ","), .text)],
                      rest: (g.signature, .text))
            if i == state.selection { c.restyle(y, .selection) }
        }
    }
}
