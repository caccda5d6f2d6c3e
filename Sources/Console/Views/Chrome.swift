import AgentCore
import Foundation

/// The parts around every screen: header (or the Redis banner), title, message line and hint bar.
enum Chrome {
    static func header(_ c: inout Canvas, _ state: ConsoleState, _ data: ConsoleData) {
        if case .down(let reason, let retryAt) = data.redis {
            c.fill(0, .bannerError)
            let wait = max(0, Int(retryAt.timeIntervalSince(data.now).rounded(.up)))
            c.putTruncated(0, 0, " Redis unreachable at \(data.redisAddress): \(reason) · retrying in \(wait)s · showing the last data",
                           .bannerError, maxWidth: c.width)
            return
        }
        c.fill(0, .title)
        var x = c.put(0, 0, " swissagent ", .title)
        let workers = data.workers.count
        let busy = data.workers.reduce(0) { $0 + $1.currentJobs.count }
        let orphaned = data.orphaned
        let clock = Fmt.clock(data.now) + " "
        func parts(address: String) -> [String] {
            let redis = data.redis == .up ? "redis \(address)✓" : "redis \(address)connecting…"
            // What needs whoever is watching comes first: a call waiting for a person, then orphaned jobs.
            let warnings = (data.awaiting > 0 ? ["⏸ \(data.awaiting) awaiting approval"] : []) + (orphaned > 0 ? ["⚠ \(orphaned) orphaned"] : [])
            return warnings + [redis, "\(data.queues.count) queue\(data.queues.count == 1 ? "" : "s")",
                               "\(workers) worker\(workers == 1 ? "" : "s") (\(busy) busy)"]
                + (orphaned > 0 ? [] : ["0 orphaned"]) + (state.readOnly ? ["READ-ONLY"] : [])
        }
        // On a narrow terminal the address is dropped before anything is cut off.
        let full = parts(address: data.redisAddress + " ")
        let fits = x + full.reduce(0) { $0 + 3 + $1.terminalWidth } + clock.count <= c.width
        let parts = fits ? full : parts(address: "")
        for part in parts {
            x += c.put(x, 0, "· ", .title)
            let role: Role = part.hasPrefix("⚠") || part.hasPrefix("⏸") ? .bannerInfo : part == "READ-ONLY" ? .paused : .title
            x += c.put(x, 0, part + " ", role)
        }
        if x + clock.count < c.width { c.put(c.width - clock.count, 0, clock, .title) }
    }

    static func title(_ c: inout Canvas, _ state: ConsoleState, _ data: ConsoleData) {
        let y = 1
        c.fill(y, .text)
        switch state.screen {
        case .jobs(let queue, _), .approvals(let queue):
            var x = c.put(0, y, " Jobs " + (queue.map { "in \($0) " } ?? "in all queues ") + "│ ", .text)
            let shown = data.queues.filter { queue == nil || $0.queue == queue }
            for tab in Screen.tabs(queue: queue) {
                let (name, n, role): (String, Int, Role) = switch tab {
                case .jobs(_, let s): (s.rawValue, shown.reduce(0) { $0 + $1.count(s) }, Role.state(s.rawValue))
                default: ("awaiting", shown.reduce(0) { $0 + $1.awaiting }, .stateAwaiting)
                }
                x += c.put(x, y, " \(name) \(Fmt.count(n)) ", tab == state.screen ? .selection : role)
                if x >= c.width { break }
            }
        default:
            let name: String = switch state.screen {
            case .queues: "Queues"
            case .groups(let q): "Failed jobs by error" + (q.map { " in \($0)" } ?? "")
            case .detail(let id): "Job \(id)"
            case .output(let id): id.map { "Output of \($0)" } ?? "Output of every active job"
            case .transcript(let id): "Transcript of \(id)"
            case .workers: "Workers"
            case .help: "Keys"
            case .jobs, .approvals: ""
            }
            var x = c.put(0, y, " " + name, .header)
            if case .output = state.screen {
                let flags = [state.follow ? "follow" : "paused", state.wrap ? "wrap" : "", state.timestamps ? "timestamps" : ""]
                    .filter { !$0.isEmpty }.joined(separator: " · ")
                x += c.put(x, y, "  [\(flags)]", .dim)
            }
            if case .transcript = state.screen { x += c.put(x, y, state.follow ? "  [follow]" : "  [paused]", .dim) }
            if !state.filter.isEmpty { c.put(x, y, "  filter: /\(state.filter)", .warn) }
        }
    }

    static func footer(_ c: inout Canvas, _ state: ConsoleState, _ data: ConsoleData) {
        let y = c.height - 2
        c.fill(y, .text)
        if let denial = state.denial {
            let x = c.put(0, y, "Deny \(denial.id), because: " + denial.reason + "▏", .input, maxWidth: c.width)
            if let m = state.message, m.error { c.putTruncated(x + 1, y, m.text, .error, maxWidth: c.width - x - 1) }
        } else if let command = state.command {
            c.put(0, y, ":" + command + "▏", .input)
        } else if state.editingFilter {
            c.put(0, y, "/" + state.filter + "▏", .input)
        } else if let m = state.message {
            c.putTruncated(0, y, " " + m.text, m.error ? .error : .ok, maxWidth: c.width)
        } else if !state.marks.isEmpty {
            c.put(0, y, " \(state.marks.count) marked", .mark)
        }
        hints(&c, state, y: c.height - 1)
    }

    /// The screen's keys, then the ones that work everywhere; when space runs out, the screen's
    /// last keys give way first, so "? help" always shows.
    static func hints(_ c: inout Canvas, _ state: ConsoleState, y: Int) {
        c.fill(y, .hint)
        let all = Keymap.hints(for: state)
        let prompting = state.confirm != nil || state.command != nil || state.editingFilter || state.denial != nil
        let common = Array(all.suffix(prompting ? 0 : 4))
        var local = Array(all.dropLast(common.count))
        func width(_ h: [(String, String)]) -> Int { h.reduce(0) { $0 + $1.0.terminalWidth + $1.1.terminalWidth + 2 } }
        var shown = common
        while !local.isEmpty && width(local) + width(shown) > c.width { local.removeLast() }
        shown = local + shown
        while !shown.isEmpty && width(shown) > c.width { shown.removeFirst() }
        var x = 0
        for (key, what) in shown {
            x += c.put(x, y, key, .hintKey)
            x += c.put(x, y, (what.isEmpty ? "" : " " + what) + " ", .hint)
        }
    }

    static func dialog(_ c: inout Canvas, _ question: String) {
        let width = min(c.width - 2, max(30, question.terminalWidth + 4))
        let lines = TextWrap.rows(question, width: width - 4)
        let height = lines.count + 4
        let x0 = max(0, (c.width - width) / 2), y0 = max(0, (c.height - height) / 2)
        for y in y0..<min(c.height, y0 + height) { c.fill(y, .dialog, from: x0, to: x0 + width) }
        c.put(x0 + 2, y0, " Confirm ", .dialogTitle)
        for (i, line) in lines.enumerated() { c.put(x0 + 2, y0 + 2 + i, line, .dialog, maxWidth: width - 4) }
        c.put(x0 + 2, y0 + height - 1, "y yes · n/Esc no", .dialog)
    }
}
