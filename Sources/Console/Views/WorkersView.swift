import AgentCore
import Foundation

enum WorkersView {
    static let table = Table(columns: [
        .init(title: "HOST", width: 16), .init(title: "PID", width: 7, right: true), .init(title: "JOBS", width: 6, right: true),
        .init(title: "HEARTBEAT", width: 9, right: true), .init(title: "UP", width: 7, right: true), .init(title: "QUEUES", width: 16),
    ], rest: "ID")

    static func render(_ c: inout Canvas, _ r: Rect, _ state: ConsoleState, _ data: ConsoleData) {
        table.header(&c, r, y: r.y)
        if data.workers.isEmpty {
            c.put(1, r.y + 1, "No live workers. Start one: swissagent worker", .dim)
            return
        }
        for (i, w) in data.workers.enumerated().prefix(max(1, r.height - 1)) {
            let y = r.y + 1 + i
            let beat = data.now.timeIntervalSince1970 - w.heartbeatAt
            table.row(&c, r, y: y, [
                (w.host, .text), (String(w.pid), .text), ("\(w.currentJobs.count)/\(w.concurrency)", .text),
                (HumanText.duration(beat), beat > 15 ? .warn : .ok), (HumanText.duration(data.now.timeIntervalSince1970 - w.startedAt), .text),
                (w.queues.joined(separator: ","), .dim),
            ], rest: (w.id, .dim))
            if i == state.selection { c.restyle(y, .selection) }
        }
    }
}
