import AgentCore
import Foundation

/// The home screen: every queue's depth as a bar and as counts, its oldest job's age, its rates and
/// a sparkline of the last hour.
enum QueuesView {
    /// Counts are at most 5 wide ("1.00M", "10.0k"), so a column is as wide as its title: at 80
    /// columns every figure fits, FAIL/m included, with 8 left for the sparkline.
    static let table = Table(columns: [
        .init(title: "QUEUE", width: 12), .init(title: "PENDING", width: 7, right: true), .init(title: "ACTIVE", width: 6, right: true),
        .init(title: "AWAIT", width: 6, right: true),
        .init(title: "RETRY", width: 6, right: true), .init(title: "FAILED", width: 6, right: true),
        .init(title: "OLDEST", width: 7, right: true), .init(title: "DONE/m", width: 7, right: true),
        .init(title: "FAIL/m", width: 6, right: true),
    ], rest: "LAST 1h")

    static func render(_ c: inout Canvas, _ r: Rect, _ state: ConsoleState, _ data: ConsoleData) {
        guard r.height > 0 else { return }
        if data.queues.isEmpty {
            c.put(1, r.y + 1, data.redis == .up ? "No queues yet. Submit a job: swissagent submit job.json" : "Waiting for Redis…", .dim)
            return
        }
        table.header(&c, r, y: r.y)
        let rows = max(1, (r.height - 2) / 2)
        let first = max(0, min(state.selection - rows + 1, data.queues.count - rows))
        var y = r.y + 1
        for (i, q) in data.queues.enumerated().dropFirst(first).prefix(rows) {
            let selected = i == state.selection
            let name = (q.paused ? "⏸ " : "") + q.queue
            let done = HumanText.perMinute(q.processedPerMinute, now: data.now), failed = HumanText.perMinute(q.failedPerMinute, now: data.now)
            let (_, restWidth) = table.fitted(r.width)
            table.row(&c, r, y: y, [
                (name, q.paused ? .paused : .text), (Fmt.count(q.pending), .statePending), (Fmt.count(q.active), .stateActive),
                (Fmt.count(q.awaiting), q.awaiting > 0 ? .stateAwaiting : .dim),
                (Fmt.count(q.retrying), .stateRetrying), (Fmt.count(q.failed), q.failed > 0 ? .stateFailed : .text),
                (HumanText.duration(q.oldestPendingAge), .text), (String(done), .text), (String(failed), failed > 0 ? .stateFailed : .text),
            ], rest: (Fmt.sparkline(q.processedPerMinute, width: restWidth), .spark))
            if selected { c.restyle(y, .selection) }
            bar(&c, x: r.x + 2, y: y + 1, width: r.width - 4, q)
            y += 2
        }
        let running = data.workers.reduce(0) { $0 + $1.currentJobs.count }
        let summary = "\(data.workers.count) worker\(data.workers.count == 1 ? "" : "s") alive · "
            + "\(data.workers.reduce(0) { $0 + $1.concurrency }) slots · \(running) job\(running == 1 ? "" : "s") running"
        if y < r.y + r.height { c.put(1, r.y + r.height - 1, summary, .dim) }
    }

    /// pending / active / retrying / failed as proportional coloured blocks, PAUSED when paused.
    static func bar(_ c: inout Canvas, x: Int, y: Int, width: Int, _ q: QueueStats) {
        guard width > 4 else { return }
        let parts: [(Int, Role)] = [(q.pending, .statePending), (q.active, .stateActive), (q.retrying, .stateRetrying),
                                    (q.failed, .stateFailed)]
        let total = parts.reduce(0) { $0 + $1.0 }
        var col = x
        if total > 0 {
            for (n, role) in parts where n > 0 {
                let w = max(1, Int((Double(n) / Double(total) * Double(width)).rounded()))
                col += c.put(col, y, String(repeating: "█", count: min(w, x + width - col)), role)
            }
        } else {
            c.put(x, y, String(repeating: "·", count: width), .dim)
        }
        if q.paused { c.put(x, y, " PAUSED ", .paused) }
    }
}
