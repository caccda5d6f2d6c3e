import AgentCore
import Foundation

/// A task job's transcript: each turn's model call (tokens, latency, cost), the model's words, each
/// tool call with its arguments and its result folded to a few lines, what went wrong marked; the
/// words of the turn being written last; the totals against the job's budget on top.
enum TranscriptView {
    /// One entry as rows: (marker, text, role). The marker column is two cells wide.
    struct Block {
        var entry: Int
        var rows: [(mark: String, text: String, role: Role)]
        var folded = 0
    }

    /// Rows of a folded entry, by kind (the model's words and a model call are never folded).
    static func foldedRows(_ kind: TranscriptEntry.Kind) -> Int? {
        switch kind {
        case .system: 1
        case .user: 4
        case .toolCall, .toolResult: 3
        case .assistant, .modelCall, .note, .callStarted: nil
        }
    }

    /// The entries the filter keeps, by index.
    static func visible(_ state: ConsoleState, _ feed: TranscriptFeed) -> [Int] {
        guard !state.filter.isEmpty else { return Array(feed.entries.indices) }
        let needle = state.filter.lowercased()
        return feed.entries.indices.filter { i in
            let e = feed.entries[i]
            return e.text.lowercased().contains(needle) || (e.tool ?? "").lowercased().contains(needle)
        }
    }

    /// A tool's result is an error when no step ran (a malformed call), or the step failed.
    static func failed(_ e: TranscriptEntry) -> Bool {
        e.kind == .toolResult && (e.malformed == true
            || e.text.split(separator: "\n").contains { $0.hasPrefix("error: ") || $0.hasPrefix("exit status ") })
    }

    /// `job`: when its call waits for a person, that shows last.
    static func blocks(_ state: ConsoleState, _ feed: TranscriptFeed, width: Int, job: JobRecord? = nil) -> [Block] {
        let room = max(1, width - 2)
        var out: [Block] = []
        var turn = 0
        var repairNext = false
        // Turns are numbered over the whole transcript, whatever the filter hides.
        var turnOf: [Int: (Int, Bool)] = [:]
        for (i, e) in feed.entries.enumerated() {
            if e.kind == .modelCall { turn += 1; turnOf[i] = (turn, repairNext); repairNext = false }
            if e.kind == .toolResult && e.malformed == true { repairNext = true }
        }
        for i in visible(state, feed) {
            let e = feed.entries[i]
            var rows: [(String, String, Role)] = []
            func add(_ mark: String, _ markRole: Role, _ text: String, _ role: Role) {
                for (n, row) in TextWrap.rows(text, width: room).enumerated() { rows.append((n == 0 ? mark : "  ", row, n == 0 ? markRole : role)) }
            }
            switch e.kind {
            case .modelCall:
                let (n, repair) = turnOf[i] ?? (0, false)
                var head = "turn \(n)" + (repair ? " · repair" : "") + " · \(e.inputTokens ?? 0) in, \(e.outputTokens ?? 0) out · "
                    + String(format: "%.2f s", e.seconds ?? 0)
                if let d = e.dollars, d > 0 { head += String(format: " · $%.4f", d) }
                if e.text.contains("estimated") { head += " · tokens estimated" }
                let line = "── " + head + " "
                rows.append(("", line + String(repeating: "─", count: max(0, width - line.terminalWidth)), repair ? .warn : .dim))
            case .assistant: add("  ", .text, e.text, .text)
            case .system: add("⚙ ", .dim, "system: " + e.text, .dim)
            case .user: add("▸ ", .mark, "task: " + e.text, .text)
            case .note: add("! ", .warn, e.text, .warn)
            case .callStarted: break  // not kept by the feed
            case .toolCall:
                let said = BrowserEntries.isBrowser(e.tool) ? BrowserEntries.call(e.tool ?? "", e.text) : (e.tool ?? "?") + " " + e.text
                add("→ ", .stateActive, said, .stdout)
            case .toolResult:
                let bad = failed(e)
                let head = e.malformed == true ? "malformed call, sent back to repair: " : ""
                let text = BrowserEntries.isBrowser(e.tool) ? BrowserEntries.result(e.text) : e.text
                add(bad ? "✗ " : "← ", bad ? .stateFailed : .dim, head + (text.isEmpty ? "(no output)" : text), bad ? .stateFailed : .dim)
                // Only the first row names the tool's outcome in red: what it printed reads as output.
                if bad && e.malformed != true { for r in rows.indices.dropFirst() { rows[r].2 = .dim } }
            }
            var block = Block(entry: i, rows: rows.map { (mark: $0.0, text: $0.1, role: $0.2) })
            if let keep = foldedRows(e.kind), !state.unfolded.contains(i), block.rows.count > keep + 1 {
                block.folded = block.rows.count - keep
                block.rows = Array(block.rows.prefix(keep))
                block.rows.append((mark: "  ", text: "… \(block.folded) more line\(block.folded == 1 ? "" : "s") (Enter unfolds)", role: .dim))
            }
            out.append(block)
        }
        let live = feed.live
        if !live.text.isEmpty || live.open, state.filter.isEmpty || live.text.lowercased().contains(state.filter.lowercased()) {
            let text = live.text.hasSuffix("\n") ? String(live.text.dropLast()) : live.text
            var rows = TextWrap.rows(text + (live.open ? "▍" : ""), width: room).map { (mark: "  ", text: $0, role: Role.text) }
            if rows.isEmpty { rows = [(mark: "  ", text: "▍", role: .text)] }
            out.append(Block(entry: -1, rows: rows))
        }
        if let job, job.state == .active, let call = job.approval {
            let text = "awaiting approval: " + Fmt.oneLine(call.summary) + " (" + call.reason + "; a approves, D denies)"
            out.append(Block(entry: -1, rows: TextWrap.rows(text, width: room).enumerated().map { n, row in
                (mark: n == 0 ? "⏸ " : "  ", text: row, role: Role.stateAwaiting)
            }))
        }
        return out
    }

    /// What the job has used, against its budget: the line above the transcript.
    static func totals(_ feed: TranscriptFeed, job: JobRecord?) -> String {
        var usage = AgentUsage(model: job?.agent?.model ?? "")
        for e in feed.entries { usage.add(e) }
        // The stored transcript may be full; the job's own counters go on.
        if let a = job?.agent, a.turns > usage.turns { usage = a }
        let spec = job?.spec
        let budget = spec?.budget
        func of<T>(_ v: T?, _ show: (T) -> String) -> String { v.map { "/" + show($0) } ?? "" }
        var parts = ["turn \(usage.turns)" + of(budget?.turns) { String($0) },
                     "\(Fmt.count(usage.inputTokens + usage.outputTokens))" + of(budget?.tokens) { Fmt.count($0) } + " tokens",
                     String(format: "$%.4f", usage.dollars) + of(budget?.dollars) { String(format: "$%.2f", $0) }]
        let model = usage.model.isEmpty ? spec?.model : usage.model
        parts.append(model ?? "default model")
        if let job {
            var state = job.state.rawValue
            if job.state == .failed, let limit = AgentBudget.exhausted(in: job.lastError) { state += ": \(limit.rawValue) ran out" }
            parts.append(state)
        }
        return " " + parts.joined(separator: " · ")
    }

    static func render(_ c: inout Canvas, _ r: Rect, _ state: ConsoleState, _ data: ConsoleData) {
        guard case .transcript(let id) = state.screen, r.height > 0 else { return }
        let feed = data.transcript
        let job = data.detail?.id == id ? data.detail : nil
        c.fill(r.y, .header)
        c.putTruncated(r.x, r.y, totals(feed, job: job), .header, maxWidth: r.width)
        let body = Rect(x: r.x, y: r.y + 1, width: r.width, height: r.height - 1)
        guard feed.jobID == id, !feed.entries.isEmpty || !feed.live.text.isEmpty else {
            let what = data.redis != .up ? "Waiting for Redis…"
                : feed.jobID != id ? "Loading…" : job.map { $0.agent == nil && $0.state != .pending && $0.state != .active ? "No transcript: this job ran no agent." : "No turns yet." }
                    ?? "Loading… (or no such job)"
            if body.height > 0 { c.put(1, body.y, what, .dim) }
            return
        }
        let blocks = blocks(state, feed, width: body.width, job: job)
        var rows: [(mark: String, text: String, role: Role, block: Int)] = []
        var starts: [Int] = []
        for (b, block) in blocks.enumerated() {
            starts.append(rows.count)
            rows += block.rows.map { (mark: $0.mark, text: $0.text, role: $0.role, block: b) }
        }
        // Following: the newest rows at the bottom. Otherwise the selected entry near the top.
        let selected = min(state.selection, max(0, blocks.count - 1))
        let top = state.follow ? max(0, rows.count - body.height) : max(0, min(starts[safe: selected].map { $0 - 1 } ?? 0, rows.count - body.height))
        for (n, row) in rows.dropFirst(top).prefix(body.height).enumerated() {
            let y = body.y + n
            let used = c.put(body.x, y, row.mark, row.role)
            c.putTruncated(body.x + used, y, row.text, row.role, maxWidth: body.width - used)
            if !state.follow && row.block == selected && starts[safe: selected] == top + n { c.restyle(y, .selection) }
        }
    }

    /// The transcript as one JSON document: the job, its totals, and every stored entry whole.
    static func json(_ feed: TranscriptFeed, job: JobRecord?) -> String {
        let entries = feed.entries.map { $0.json() }.joined(separator: ",\n    ")
        var head: [String: JSONValue] = ["job": .string(feed.jobID)]
        if let a = job?.agent {
            head["model"] = .string(a.model)
            head["turns"] = .number(Double(a.turns))
            head["input_tokens"] = .number(Double(a.inputTokens))
            head["output_tokens"] = .number(Double(a.outputTokens))
            head["dollars"] = .number(a.dollars)
        }
        if let job { head["state"] = .string(job.state.rawValue) }
        let fields = head.keys.sorted().map { "  " + JSONValue.string($0).jsonString() + ": " + (head[$0] ?? .null).jsonString() }
        return "{\n" + fields.joined(separator: ",\n") + ",\n  \"entries\": [\n    " + entries + "\n  ]\n}\n"
    }
}
