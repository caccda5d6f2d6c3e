import AgentCore
import Foundation

/// Every key binding. Handlers change the state and say what to do next; they never draw.
public enum Keymap {
    /// Handles a key; returns what the loop should do and, maybe, an action to run.
    public static func handle(_ key: Key, _ s: inout ConsoleState, _ data: ConsoleData, height: Int) -> (KeyResult, ConsoleAction?) {
        if key == .resize { return (.redraw, nil) }
        if key == .ctrl("c") { return (.quit, nil) }
        if let confirm = s.confirm {
            switch key {
            case .char("y"), .char("Y"):
                s.confirm = nil
                return ([.redraw, .refetch], confirm.action)
            case .char("n"), .char("N"), .escape, .char("q"):
                s.confirm = nil
                s.message = ("cancelled", false)
                return (.redraw, nil)
            default: return (.handled, nil)
            }
        }
        if s.command != nil { return commandKey(key, &s, data) }
        if s.editingFilter { return filterKey(key, &s) }
        s.message = nil
        let rows = Render.listRows(height: height)
        switch key {
        case .char("?"): s.go(.help); return ([.redraw], nil)
        case .char(":"): s.command = ""; return (.redraw, nil)
        case .char("/") where filterable(s.screen): s.editingFilter = true; return (.redraw, nil)
        case .escape:
            if !s.filter.isEmpty { s.filter = ""; s.selection = 0; return ([.redraw, .refetch], nil) }
            if !s.marks.isEmpty { s.marks = []; return (.redraw, nil) }
            s.goBack()
            return ([.redraw, .refetch], nil)
        case .char("q"):
            if s.back.isEmpty && s.screen == .queues { return (.quit, nil) }
            s.goBack()
            return ([.redraw, .refetch], nil)
        case .char("j"), .down: move(&s, data, by: 1); return (.redraw, nil)
        case .char("k"), .up: move(&s, data, by: -1); return (.redraw, nil)
        case .pageDown, .ctrl("f"), .ctrl("d"): move(&s, data, by: rows); return (.redraw, nil)
        case .pageUp, .ctrl("b"), .ctrl("u"): move(&s, data, by: -rows); return (.redraw, nil)
        case .char("g"), .home: move(&s, data, by: -Int.max / 2); return (.redraw, nil)
        case .char("G"), .end:
            move(&s, data, by: Int.max / 2)
            if case .output = s.screen { s.follow = true }
            return (.redraw, nil)
        default: break
        }
        switch s.screen {
        case .queues: return queuesKey(key, &s, data)
        case .jobs(let queue, let state): return jobsKey(key, &s, data, queue: queue, state: state)
        case .groups(let queue): return groupsKey(key, &s, data, queue: queue)
        case .detail(let id): return detailKey(key, &s, data, id: id)
        case .output(let id): return outputKey(key, &s, data, id: id)
        case .workers, .help: return ([], nil)
        }
    }

    static func filterable(_ screen: Screen) -> Bool {
        switch screen {
        case .jobs, .output, .groups: true
        default: false
        }
    }

    /// Rows in the current list, for moving the selection.
    static func count(_ s: ConsoleState, _ data: ConsoleData) -> Int {
        switch s.screen {
        case .queues: data.queues.count
        case .jobs: data.listTotal
        case .groups: data.groups.count
        case .workers: data.workers.count
        case .detail(let id): data.detail.map { $0.id == id ? DetailView.lines($0, now: data.now).count : 0 } ?? 0
        case .output: data.output.count
        case .help: 0
        }
    }

    static func move(_ s: inout ConsoleState, _ data: ConsoleData, by delta: Int) {
        let n = count(s, data)
        switch s.screen {
        case .detail:
            s.scroll = max(0, min(n - 1, s.scroll &+ delta))
        case .output:
            s.follow = false
            s.scroll = max(0, min(max(0, n - 1), (s.scroll == 0 && delta < 0 ? n : s.scroll) &+ delta))
            s.selection = s.scroll
        default:
            s.selection = max(0, min(max(0, n - 1), s.selection &+ delta))
        }
    }

    static func refuseIfReadOnly(_ s: inout ConsoleState) -> Bool {
        if s.readOnly { s.message = ("read-only: actions are disabled", true) }
        return s.readOnly
    }

    static func ask(_ s: inout ConsoleState, _ question: String, _ action: ConsoleAction) -> (KeyResult, ConsoleAction?) {
        if refuseIfReadOnly(&s) { return (.redraw, nil) }
        s.confirm = Confirmation(question: question, action: action)
        return (.redraw, nil)
    }

    static func queuesKey(_ key: Key, _ s: inout ConsoleState, _ data: ConsoleData) -> (KeyResult, ConsoleAction?) {
        let q = data.queues[safe: s.selection]
        switch key {
        case .enter: if let q { s.go(.jobs(queue: q.queue, state: .pending)) }
        case .char("f"): s.go(.jobs(queue: q?.queue, state: .failed))
        case .char("a"): s.go(.jobs(queue: q?.queue, state: .active))
        case .char("e"): s.go(.groups(queue: q?.queue))
        case .char("o"): s.go(.output(id: nil))
        case .char("w"): s.go(.workers)
        case .char("p"):
            guard let q else { return ([], nil) }
            return q.paused ? ask(&s, "Resume queue \(q.queue)? Workers start taking its \(q.pending) pending jobs.", .resume(queue: q.queue))
                : ask(&s, "Pause queue \(q.queue)? Workers stop taking its jobs; running ones finish.", .pause(queue: q.queue))
        case .char("R"):
            guard let q, q.failed > 0 else { s.message = ("no failed jobs here", true); return (.redraw, nil) }
            return ask(&s, "Requeue all \(q.failed) failed jobs of \(q.queue)?", .requeueMatching(queue: q.queue, filter: ""))
        default: return ([], nil)
        }
        return ([.redraw, .refetch], nil)
    }

    static func selectedOrMarked(_ s: ConsoleState, _ data: ConsoleData) -> [String] {
        if !s.marks.isEmpty { return s.marks.sorted() }
        return data.row(s.selection).map { [$0.id] } ?? []
    }

    static func jobsKey(_ key: Key, _ s: inout ConsoleState, _ data: ConsoleData, queue: String?, state: JobState)
        -> (KeyResult, ConsoleAction?) {
        let job = data.row(s.selection)
        switch key {
        case .char("l"), .right, .tab, .char("h"), .left, .backTab:
            let forward = key == .char("l") || key == .right || key == .tab
            let i = Screen.cycle.firstIndex(of: state) ?? 0
            let next = Screen.cycle[(i + (forward ? 1 : Screen.cycle.count - 1)) % Screen.cycle.count]
            s.screen = .jobs(queue: queue, state: next)
            s.selection = 0
            s.marks = []
            s.filter = ""
            return ([.redraw, .refetch], nil)
        case .enter: if let job { s.go(.detail(id: job.id)) }
        case .char(" "):
            if let job {
                if s.marks.contains(job.id) { s.marks.remove(job.id) } else { s.marks.insert(job.id) }
                move(&s, data, by: 1)
            }
            return (.redraw, nil)
        case .char("o"): if let job { s.go(.output(id: job.id)) }
        case .char("e"): s.go(.groups(queue: queue))
        case .char("r"):
            let ids = selectedOrMarked(s, data)
            guard !ids.isEmpty else { return ([], nil) }
            return ask(&s, ids.count == 1 ? "Requeue job \(ids[0])?" : "Requeue the \(ids.count) marked jobs?", .requeue(ids: ids))
        case .char("R"):
            guard state == .failed else { s.message = ("R requeues failed jobs: switch to failed first", true); return (.redraw, nil) }
            if s.filter.isEmpty {
                let n = data.queues.filter { queue == nil || $0.queue == queue }.reduce(0) { $0 + $1.failed }
                return ask(&s, "Requeue all \(n) failed jobs" + (queue.map { " of \($0)" } ?? "") + "?",
                           .requeueMatching(queue: queue, filter: ""))
            }
            let ids = data.filterMatches
            guard !ids.isEmpty else { s.message = ("nothing matches /\(s.filter)", true); return (.redraw, nil) }
            return ask(&s, "Requeue the \(ids.count) failed jobs matching /\(s.filter)/?", .requeue(ids: ids))
        case .char("c"):
            guard let job else { return ([], nil) }
            return ask(&s, "Cancel job \(job.id)?" + (state == .active ? " Its worker will stop it." : ""), .cancel(id: job.id))
        case .char("d"):
            let ids = selectedOrMarked(s, data)
            guard !ids.isEmpty else { return ([], nil) }
            return ask(&s, ids.count == 1 ? "Delete job \(ids[0]) with its history and output?" : "Delete the \(ids.count) marked jobs?",
                       .delete(ids: ids))
        case .char("x"):
            guard let job else { return ([], nil) }
            return ask(&s, state == .failed || state == .succeeded || state == .cancelled
                       ? "Run a copy of job \(job.id) here, in the local sandbox?" : "Take job \(job.id) and run it here, in the local sandbox?",
                       .runLocally(id: job.id))
        case .char("E"):
            guard let job, !refuseIfReadOnly(&s) else { return (.redraw, nil) }
            return (.redraw, .editAndRequeue(id: job.id))
        default: return ([], nil)
        }
        return ([.redraw, .refetch], nil)
    }

    static func groupsKey(_ key: Key, _ s: inout ConsoleState, _ data: ConsoleData, queue: String?) -> (KeyResult, ConsoleAction?) {
        guard let g = data.groups[safe: s.selection] else { return ([], nil) }
        switch key {
        case .enter:
            s.go(.jobs(queue: queue, state: .failed))
            s.filter = signatureRegex(g.signature)
            return ([.redraw, .refetch], nil)
        case .char("R"), .char("r"):
            return ask(&s, "Requeue the \(g.count) failed jobs failing with \"\(g.signature)\"?", .requeue(ids: g.ids))
        default: return ([], nil)
        }
    }

    /// A regex matching the errors of a signature: masked parts match anything of their kind.
    static func signatureRegex(_ signature: String) -> String {
        NSRegularExpression.escapedPattern(for: signature)
            .replacingOccurrences(of: "#", with: "[0-9.]+")
            .replacingOccurrences(of: "<id>", with: "[0-9a-fA-F-]+")
            .replacingOccurrences(of: "\"…\"", with: "\".*\"")
    }

    static func detailKey(_ key: Key, _ s: inout ConsoleState, _ data: ConsoleData, id: String) -> (KeyResult, ConsoleAction?) {
        let state = data.detail?.state
        switch key {
        case .char("o"): s.go(.output(id: id)); return ([.redraw, .refetch], nil)
        case .char("r"): return ask(&s, "Requeue job \(id)?", .requeue(ids: [id]))
        case .char("c"): return ask(&s, "Cancel job \(id)?", .cancel(id: id))
        case .char("d"): return ask(&s, "Delete job \(id) with its history and output?", .delete(ids: [id]))
        case .char("x"):
            return ask(&s, state == .pending ? "Take job \(id) and run it here?" : "Run a copy of job \(id) here?", .runLocally(id: id))
        case .char("E"):
            if refuseIfReadOnly(&s) { return (.redraw, nil) }
            return (.redraw, .editAndRequeue(id: id))
        default: return ([], nil)
        }
    }

    static func outputKey(_ key: Key, _ s: inout ConsoleState, _ data: ConsoleData, id: String?) -> (KeyResult, ConsoleAction?) {
        switch key {
        case .char("f"):
            s.follow.toggle()
            if !s.follow { s.scroll = max(0, data.output.count - 1) }
        case .char("w"): s.wrap.toggle()
        case .char("t"): s.timestamps.toggle()
        case .ctrl("s"), .char("S"):
            let path = FileManager.default.currentDirectoryPath + "/swissagent-output-\(id ?? "all")-\(Int(data.now.timeIntervalSince1970)).log"
            let text = OutputView.visible(s, data, merged: id == nil).map { ($0.jobID == id ? "" : "\($0.jobID) ") + $0.text }.joined(separator: "\n")
            do {
                try (text + "\n").write(toFile: path, atomically: true, encoding: .utf8)
                s.message = ("saved \(data.output.count) lines to \(path)", false)
            } catch {
                s.message = ("cannot save: \(error.localizedDescription)", true)
            }
        case .enter:
            if id == nil, let line = OutputView.visible(s, data, merged: true)[safe: s.follow ? data.output.count - 1 : s.selection] {
                s.go(.detail(id: line.jobID))
                return ([.redraw, .refetch], nil)
            }
        default: return ([], nil)
        }
        return (.redraw, nil)
    }

    static func filterKey(_ key: Key, _ s: inout ConsoleState) -> (KeyResult, ConsoleAction?) {
        switch key {
        case .enter: s.editingFilter = false
        case .escape: s.editingFilter = false; s.filter = ""
        case .backspace: if !s.filter.isEmpty { s.filter.removeLast() }
        case .char(let ch): s.filter.append(ch)
        default: return ([], nil)
        }
        s.selection = 0
        return ([.redraw, .refetch], nil)
    }

    static func commandKey(_ key: Key, _ s: inout ConsoleState, _ data: ConsoleData) -> (KeyResult, ConsoleAction?) {
        switch key {
        case .escape: s.command = nil; return (.redraw, nil)
        case .backspace:
            if s.command?.isEmpty == true { s.command = nil } else { s.command?.removeLast() }
            return (.redraw, nil)
        case .char(let ch): s.command?.append(ch); return (.redraw, nil)
        case .enter:
            let line = (s.command ?? "").trimmingCharacters(in: .whitespaces)
            s.command = nil
            return runCommand(line, &s, data)
        default: return ([], nil)
        }
    }

    static func runCommand(_ line: String, _ s: inout ConsoleState, _ data: ConsoleData) -> (KeyResult, ConsoleAction?) {
        let words = line.split(separator: " ", maxSplits: 1).map(String.init)
        let arg = words.count > 1 ? words[1] : nil
        switch words.first ?? "" {
        case "q", "quit": return (.quit, nil)
        case "queues", "home": s.go(.queues)
        case "workers": s.go(.workers)
        case "tail", "output": s.go(.output(id: arg))
        case "groups", "errors": s.go(.groups(queue: arg))
        case "help": s.go(.help)
        case "job":
            guard let arg else { s.message = ("usage: :job ID", true); return (.redraw, nil) }
            s.go(.detail(id: arg))
        case "submit":
            guard let arg else { s.message = ("usage: :submit PATH", true); return (.redraw, nil) }
            if refuseIfReadOnly(&s) { return (.redraw, nil) }
            return ([.redraw, .refetch], .submit(path: arg))
        case let name where JobState(rawValue: name) != nil:
            s.go(.jobs(queue: arg, state: JobState(rawValue: name) ?? .failed))
        default:
            s.message = ("unknown command :\(line) (try :queues :failed :job ID :workers :tail :groups :submit PATH :q)", true)
            return (.redraw, nil)
        }
        return ([.redraw, .refetch], nil)
    }

    /// The hint bar: the keys that work on this screen now.
    public static func hints(for s: ConsoleState) -> [(String, String)] {
        if s.confirm != nil { return [("y", "yes"), ("n", "no")] }
        if s.command != nil { return [("Enter", "run"), ("Esc", "cancel"), (":queues :failed :job ID :workers :tail :groups :q", "")] }
        if s.editingFilter { return [("Enter", "apply"), ("Esc", "clear"), ("regex or text", "")] }
        let act = !s.readOnly
        var h: [(String, String)] = []
        switch s.screen {
        case .queues:
            h = [("↑↓", "select"), ("Enter", "jobs"), ("f", "failed"), ("a", "active"), ("e", "errors"), ("o", "tail"), ("w", "workers")]
            if act { h += [("p", "pause/resume"), ("R", "requeue failed")] }
        case .jobs(_, let state):
            h = [("↑↓", "select"), ("h/l", "state"), ("Enter", "detail"), ("/", "filter"), ("o", "output")]
            if act {
                h += [("Space", "mark"), ("r", "requeue"), ("c", "cancel"), ("d", "delete"), ("x", "run here")]
                if state == .failed { h += [("R", "requeue all"), ("E", "edit")] }
            }
        case .groups: h = [("↑↓", "select"), ("Enter", "those jobs")] + (act ? [("R", "requeue group")] : [])
        case .detail: h = [("↑↓", "scroll"), ("o", "output")] + (act ? [("r", "requeue"), ("c", "cancel"), ("d", "delete"), ("x", "run here"), ("E", "edit")] : [])
        case .output(let id): h = [("f", "follow"), ("w", "wrap"), ("t", "time"), ("/", "filter"), ("S", "save")] + (id == nil ? [("Enter", "job")] : [])
        case .workers, .help: h = [("↑↓", "select")]
        }
        return h + [("Esc", "back"), (":", "cmd"), ("?", "help"), ("q", "quit")]
    }

    /// The help screen's sections.
    public static func help(readOnly: Bool) -> [(String, [(String, String)])] {
        var sections: [(String, [(String, String)])] = [
            ("Everywhere", [("j k ↑ ↓", "move"), ("PgUp PgDn", "page"), ("g G", "first, last"), ("Enter", "open"),
                            ("Esc", "back (or clear the filter, the marks)"), ("/", "filter the list (regex or text; tenant:NAME)"),
                            (":", "command: :queues :failed :pending :active :job ID :workers :tail :groups :submit PATH :q"),
                            ("?", "this help"), ("q", "back; quit from the queues")]),
            ("Queues", [("Enter f a", "pending, failed, active jobs of the queue"), ("e", "failed jobs grouped by error"),
                        ("o", "tail every active job's output"), ("w", "workers"), ("p", "pause or resume the queue"),
                        ("R", "requeue every failed job of the queue")]),
            ("Jobs", [("h l Tab", "previous, next state"), ("Space", "mark"), ("r", "requeue the selected or marked jobs"),
                      ("R", "requeue every failed job matching the filter"), ("c", "cancel"), ("d", "delete"),
                      ("x", "run the job here, in the local sandbox"), ("E", "edit the spec in $EDITOR and queue the copy"),
                      ("o", "the job's output")]),
            ("Output", [("f", "follow on/off"), ("w", "wrap"), ("t", "timestamps"), ("S", "save to a file"), ("Enter", "open the line's job")]),
        ]
        if readOnly { sections.append(("Read-only", [("", "this console was started with --read-only: actions are disabled")])) }
        return sections
    }
}

extension ConsoleData {
    /// Ids of every job the filter matched (not only the loaded window), for a bulk requeue.
    public var filterMatches: [String] { filterMatchIDs }
}
