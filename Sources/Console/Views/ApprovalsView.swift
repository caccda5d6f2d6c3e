import AgentCore
import Foundation

/// Tool calls waiting for a person, longest waiting first: whose, how long, when the clock denies
/// them, and the call itself.
enum ApprovalsView {
    static let table = Table(columns: [
        .init(title: "ID", width: 22), .init(title: "QUEUE", width: 10), .init(title: "WAITING", width: 8, right: true),
        .init(title: "DENIED IN", width: 9, right: true), .init(title: "STEP", width: 4, right: true),
    ], rest: "CALL")

    static func render(_ c: inout Canvas, _ r: Rect, _ state: ConsoleState, _ data: ConsoleData) {
        table.header(&c, r, y: r.y)
        if data.approvals.isEmpty {
            c.put(1, r.y + 1, data.redis == .up ? "No call waits for approval." : "Waiting for Redis…", .dim)
            return
        }
        let rows = max(1, r.height - 1)
        let first = max(0, min(state.selection - rows / 2, data.approvals.count - rows))
        for (i, a) in data.approvals.enumerated().dropFirst(first).prefix(rows) {
            let y = r.y + 1 + i - first
            let left = a.request.deadline.timeIntervalSince(data.now)
            table.row(&c, r, y: y, [
                (a.jobID, .text), (a.queue, .text),
                (HumanText.duration(data.now.timeIntervalSince1970 - a.request.askedAt), .stateAwaiting),
                (HumanText.duration(max(0, left)), left < 60 ? .warn : .text), (String(a.request.step + 1), .text),
            ], rest: (Fmt.oneLine(a.request.summary), .text))
            if i == state.selection { c.restyle(y, .selection) }
        }
    }

    /// The detail screen's part for a waiting call.
    static func detailLines(_ a: ApprovalRequest, now: Date) -> [(String, Role)] {
        [("AWAITING APPROVAL", .stateAwaiting),
         ("  step \(a.step + 1)   " + Fmt.oneLine(a.summary), .text),
         ("  why      \(a.reason)", .text),
         ("  waiting  \(HumanText.duration(now.timeIntervalSince1970 - a.askedAt)) · denied in \(HumanText.duration(max(0, a.deadline.timeIntervalSince(now))))"
            + " unless decided", .dim),
         ("", .text)]
    }
}
