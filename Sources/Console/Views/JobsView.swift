import AgentCore
import Foundation

/// A page of jobs of one state, with the columns that state needs.
enum JobsView {
    /// Columns for task jobs, after a state's own (dropped first where the terminal is narrow).
    static let agentColumns = [Table.Column(title: "TURNS", width: 5, right: true), Table.Column(title: "TOKENS", width: 6, right: true),
                               Table.Column(title: "COST", width: 7, right: true), Table.Column(title: "MODEL", width: 10)]

    /// The state's table; with task jobs among the rows, their usage too (and, failed, the budget that ran out).
    static func table(_ s: JobState, agents: Bool) -> Table {
        var t = table(s)
        guard agents else { return t }
        if s == .failed { t.columns.append(.init(title: "OUT OF", width: 7)) }
        t.columns.insert(contentsOf: agentColumns, at: t.columns.count - (endsInTools(s) ? 1 : 0))
        return t
    }

    /// Where a state's columns end in TOOLS (a task job has none), the usage comes before it.
    static func endsInTools(_ s: JobState) -> Bool { s == .active }

    static func table(_ s: JobState) -> Table {
        let id = Table.Column(title: "ID", width: 22), queue = Table.Column(title: "QUEUE", width: 10)
        switch s {
        case .active:
            return Table(columns: [id, queue, .init(title: "STEP", width: 5), .init(title: "RUNNING", width: 8, right: true),
                                   .init(title: "LEASE", width: 6, right: true), .init(title: "TOOLS", width: 12)], rest: "WORKER")
        case .failed:
            return Table(columns: [id, queue, .init(title: "TRIES", width: 5, right: true), .init(title: "FAILED", width: 7, right: true)],
                         rest: "ERROR")
        case .retrying:
            return Table(columns: [id, queue, .init(title: "TRIES", width: 5, right: true), .init(title: "NEXT IN", width: 7, right: true)],
                         rest: "LAST ERROR")
        case .succeeded, .cancelled:
            return Table(columns: [id, queue, .init(title: "TOOK", width: 7, right: true), .init(title: "ENDED", width: 7, right: true)],
                         rest: "TOOLS")
        case .scheduled:
            return Table(columns: [id, queue, .init(title: "RUNS IN", width: 8, right: true)], rest: "TOOLS")
        case .pending, .awaiting:
            return Table(columns: [id, queue, .init(title: "WAITING", width: 8, right: true), .init(title: "TENANT", width: 10)],
                         rest: "TOOLS")
        }
    }

    static func render(_ c: inout Canvas, _ r: Rect, _ state: ConsoleState, _ data: ConsoleData, queue: String?, state jobState: JobState) {
        let agents = data.list.contains { $0.task != nil || $0.agent != nil }
        let t = table(jobState, agents: agents)
        t.header(&c, r, y: r.y)
        let rows = max(1, r.height - 1)
        if data.listTotal == 0 {
            let what = state.filter.isEmpty ? "No \(jobState.rawValue) jobs." : "No \(jobState.rawValue) job matches /\(state.filter)."
            c.put(1, r.y + 1, what, .dim)
            return
        }
        let first = max(0, min(state.selection - rows / 2, data.listTotal - rows))
        for i in first..<min(data.listTotal, first + rows) {
            let y = r.y + 1 + i - first
            guard let job = data.row(i) else {
                c.put(1, y, "…", .dim)
                continue
            }
            let marked = state.marks.contains(job.id)
            t.row(&c, r, y: y, cells(job, jobState, data.now, marked: marked, agents: agents), rest: rest(job, jobState))
            if i == state.selection { c.restyle(y, .selection) }
        }
        if let scanned = data.filterScanned {
            c.put(1, r.y + r.height - 1, "/\(state.filter): \(data.listTotal) match(es) among the newest \(scanned)", .dim)
        } else if data.listTotal > rows {
            let pos = " \(state.selection + 1)/\(Fmt.count(data.listTotal)) "
            c.put(r.width - pos.count, r.y, pos, .header)
        }
    }

    static func cells(_ j: JobSummary, _ s: JobState, _ now: Date, marked: Bool, agents: Bool) -> [(String, Role)] {
        var out = cells(j, s, now, marked: marked)
        guard agents else { return out }
        if s == .failed {
            let limit = AgentBudget.exhausted(in: j.lastError)
            out.append((limit?.rawValue ?? "", .warn))
        }
        let usage: [(String, Role)] = j.agent.map { a in
            [(String(a.turns), .text), (Fmt.count(a.inputTokens + a.outputTokens), .text), (String(format: "$%.3f", a.dollars), .text),
             (a.model, .dim)]
        } ?? Array(repeating: ("", .text), count: agentColumns.count)
        out.insert(contentsOf: usage, at: out.count - (endsInTools(s) ? 1 : 0))
        return out
    }

    static func cells(_ j: JobSummary, _ s: JobState, _ now: Date, marked: Bool) -> [(String, Role)] {
        let id = ((marked ? "● " : "") + j.id, marked ? Role.mark : .text)
        let queue = (j.queue, Role.text)
        switch s {
        case .active:
            let lease = j.leaseUntil.map { $0.timeIntervalSince(now) }
            return [id, queue, (j.step.map { "\($0.current)/\($0.of)" } ?? "-", .text), (HumanText.age(j.claimedAt, now: now), .text),
                    (lease.map { $0 < 0 ? "lost" : HumanText.duration($0) } ?? "-", (lease ?? 1) < 0 ? .error : .text), (tools(j), .dim)]
        case .failed:
            return [id, queue, ("\(j.attempts)/\(j.maxAttempts)", .text), (HumanText.age(j.finishedAt ?? j.updatedAt, now: now), .text)]
        case .retrying:
            return [id, queue, ("\(j.attempts)/\(j.maxAttempts)", .text), (HumanText.duration(j.runAt.map { $0.timeIntervalSince(now) }), .text)]
        case .succeeded, .cancelled:
            let took = j.finishedAt.flatMap { f in j.claimedAt.map { f.timeIntervalSince($0) } }
            return [id, queue, (HumanText.duration(took), .text), (HumanText.age(j.finishedAt ?? j.updatedAt, now: now), .text)]
        case .scheduled:
            return [id, queue, (HumanText.duration(j.runAt.map { $0.timeIntervalSince(now) }), .text)]
        case .pending, .awaiting:
            return [id, queue, (HumanText.age(j.updatedAt ?? j.createdAt, now: now), .text), (j.tenant ?? "-", .dim)]
        }
    }

    static func rest(_ j: JobSummary, _ s: JobState) -> (String, Role) {
        switch s {
        case .active: (j.worker ?? "-", .dim)
        case .failed: (Fmt.oneLine(j.lastError), .stateFailed)
        case .retrying: (Fmt.oneLine(j.lastError), .stateRetrying)
        default: (tools(j), .dim)
        }
    }

    /// A step job's tools; a task job has none of its own, so its task.
    static func tools(_ j: JobSummary) -> String {
        j.task.map { "task: " + Fmt.oneLine($0) } ?? j.tools
    }
}
