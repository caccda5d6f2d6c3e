import AgentCore
import Foundation

/// Key dispatch over `Bindings.table`, and the helpers bindings share. Handlers change the state
/// and say what to do next; they never draw and never touch a file or the network.
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
        if s.denial != nil { return denialKey(key, &s) }
        if s.command != nil { return commandKey(key, &s) }
        if s.editingFilter { return filterKey(key, &s) }
        s.message = nil
        let kind = s.screen.kind
        guard let binding = Bindings.table.first(where: { $0.keys.contains(key) && $0.works(on: kind) }) else { return ([], nil) }
        if binding.writes && refuseIfReadOnly(&s) { return (.redraw, nil) }
        return binding.run(&s, BindingContext(key: key, data: data, height: height))
    }

    /// The bindings that work on a screen, in table order.
    public static func bindings(on kind: ScreenKind) -> [Binding] { Bindings.table.filter { $0.works(on: kind) } }

    /// Rows in the current list, for moving the selection.
    static func count(_ s: ConsoleState, _ data: ConsoleData) -> Int {
        switch s.screen {
        case .queues: data.queues.count
        case .jobs: data.listTotal
        case .groups: data.groups.count
        case .workers: data.workers.count
        case .detail(let id): data.detail.map { $0.id == id ? DetailView.lines(JobView($0), now: data.now, files: data.files).count : 0 } ?? 0
        case .output: data.output.count
        case .transcript: TranscriptView.visible(s, data.transcript).count + (data.transcript.live.text.isEmpty ? 0 : 1)
        case .approvals: data.approvals.count
        case .help: HelpView.lines(s, width: 80).count
        }
    }

    static func move(_ s: inout ConsoleState, _ data: ConsoleData, by delta: Int) {
        let n = count(s, data)
        switch s.screen {
        case .detail, .help:
            s.scroll = max(0, min(n - 1, s.scroll &+ delta))
        case .output:
            s.follow = false
            s.scroll = max(0, min(max(0, n - 1), (s.scroll == 0 && delta < 0 ? n : s.scroll) &+ delta))
            s.selection = s.scroll
        case .transcript:
            // Leaving follow starts from the newest entry.
            let from = s.follow ? max(0, n - 1) : s.selection
            s.follow = false
            s.selection = max(0, min(max(0, n - 1), from &+ delta))
        default:
            s.selection = max(0, min(max(0, n - 1), s.selection &+ delta))
        }
    }

    public static func refuseIfReadOnly(_ s: inout ConsoleState) -> Bool {
        if s.readOnly { s.message = ("read-only: actions are disabled", true) }
        return s.readOnly
    }

    static func ask(_ s: inout ConsoleState, _ question: String, _ action: ConsoleAction) -> (KeyResult, ConsoleAction?) {
        if refuseIfReadOnly(&s) { return (.redraw, nil) }
        s.confirm = Confirmation(question: question, action: action)
        return (.redraw, nil)
    }

    static func selectedOrMarked(_ s: ConsoleState, _ data: ConsoleData) -> [String] {
        if case .detail(let id) = s.screen { return [id] }
        if !s.marks.isEmpty { return s.marks.sorted() }
        return data.row(s.selection).map { [$0.id] } ?? []
    }

    /// The job a key acts on: the selected row of a list, or the job of the detail screen.
    static func selectedJob(_ s: ConsoleState, _ data: ConsoleData) -> String? {
        switch s.screen {
        case .detail(let id), .transcript(let id): id
        case .output(let id): id
        case .approvals: data.approvals[safe: s.selection]?.jobID
        default: data.row(s.selection)?.id
        }
    }

    /// The waiting call a key acts on: the selected row of the approvals screen, or the detail's job's.
    static func selectedApproval(_ s: ConsoleState, _ data: ConsoleData) -> (id: String, request: ApprovalRequest)? {
        switch s.screen {
        case .approvals: data.approvals[safe: s.selection].map { ($0.jobID, $0.request) }
        case .detail(let id), .transcript(let id): data.detail.flatMap { $0.id == id && $0.state == .active ? $0.approval.map { (id, $0) } : nil }
        default: nil
        }
    }

    static func approve(_ s: inout ConsoleState, _ data: ConsoleData) -> (KeyResult, ConsoleAction?) {
        guard let (id, call) = selectedApproval(s, data) else { s.message = ("no call waits for approval here", true); return (.redraw, nil) }
        return ask(&s, "Approve step \(call.step + 1) of job \(id)? It runs at once: \(Fmt.oneLine(call.summary))",
                   .approve(id: id, call: call.id))
    }

    static func deny(_ s: inout ConsoleState, _ data: ConsoleData) -> (KeyResult, ConsoleAction?) {
        guard let (id, call) = selectedApproval(s, data) else { s.message = ("no call waits for approval here", true); return (.redraw, nil) }
        s.denial = DenialPrompt(id: id, call: call.id)
        return (.redraw, nil)
    }

    /// Typing a denial's reason: Enter sends it (not empty: the job reads it), Esc gives up.
    static func denialKey(_ key: Key, _ s: inout ConsoleState) -> (KeyResult, ConsoleAction?) {
        guard let d = s.denial else { return ([], nil) }
        s.message = nil
        switch key {
        case .escape: s.denial = nil; s.message = ("not denied", false)
        case .backspace: if !d.reason.isEmpty { s.denial?.reason.removeLast() }
        case .char(let ch): if d.reason.count < 2_000 { s.denial?.reason.append(ch) }
        case .enter:
            let reason = d.reason.trimmingCharacters(in: .whitespaces)
            guard !reason.isEmpty else { s.message = ("a denial needs a reason: the job reads it as the call's result", true); return (.redraw, nil) }
            s.denial = nil
            return ([.redraw, .refetch], .deny(id: d.id, call: d.call, reason: reason))
        default: return ([], nil)
        }
        return (.redraw, nil)
    }

    static func selectedState(_ s: ConsoleState, _ data: ConsoleData) -> JobState? {
        switch s.screen {
        case .detail, .transcript: data.detail?.state
        case .jobs(_, let state): state
        default: nil
        }
    }

    static func cycleState(_ s: inout ConsoleState, by step: Int) -> (KeyResult, ConsoleAction?) {
        let queue: String?
        switch s.screen {
        case .jobs(let q, _), .approvals(let q): queue = q
        default: return ([], nil)
        }
        let tabs = Screen.tabs(queue: queue)
        let n = tabs.count
        let i = tabs.firstIndex(of: s.screen) ?? 0
        s.screen = tabs[((i + step) % n + n) % n]
        s.selection = 0
        s.marks = []
        s.filter = ""
        return ([.redraw, .refetch], nil)
    }

    static func requeueAll(_ s: inout ConsoleState, _ data: ConsoleData) -> (KeyResult, ConsoleAction?) {
        guard case .jobs(let queue, .failed) = s.screen else {
            s.message = ("R requeues failed jobs: switch to failed first", true)
            return (.redraw, nil)
        }
        if s.filter.isEmpty {
            let n = data.queues.filter { queue == nil || $0.queue == queue }.reduce(0) { $0 + $1.failed }
            return ask(&s, "Requeue all \(n) failed jobs" + (queue.map { " of \($0)" } ?? "") + "?", .requeueMatching(queue: queue, filter: ""))
        }
        let ids = data.filterMatches
        guard !ids.isEmpty else { s.message = ("nothing matches /\(s.filter)", true); return (.redraw, nil) }
        return ask(&s, "Requeue the \(ids.count) failed jobs matching /\(s.filter)/?", .requeue(ids: ids))
    }

    /// The lines shown, as the action that writes them to a file in the working directory.
    static func saveOutput(_ s: ConsoleState, _ data: ConsoleData) -> (KeyResult, ConsoleAction?) {
        guard case .output(let id) = s.screen else { return ([], nil) }
        let lines = OutputView.visible(s, data, merged: id == nil)
        let text = lines.map { ($0.jobID == id ? "" : "\($0.jobID) ") + $0.text }.joined(separator: "\n") + "\n"
        let path = FileManager.default.currentDirectoryPath + "/swissagent-output-\(id ?? "all")-\(Int(data.now.timeIntervalSince1970)).log"
        return (.redraw, .save(path: path, text: text, what: "\(lines.count) lines"))
    }

    /// The whole stored transcript, as JSON, as the action that writes it to a file in the working directory.
    static func saveTranscript(_ s: ConsoleState, _ data: ConsoleData) -> (KeyResult, ConsoleAction?) {
        guard case .transcript(let id) = s.screen, data.transcript.jobID == id else { return ([], nil) }
        let job = data.detail?.id == id ? data.detail : nil
        let safe = String(id.filter { $0.isLetter || $0.isNumber || $0 == "-" }.prefix(80))
        let path = FileManager.default.currentDirectoryPath + "/swissagent-transcript-\(safe)-\(Int(data.now.timeIntervalSince1970)).json"
        return (.redraw, .save(path: path, text: TranscriptView.json(data.transcript, job: job), what: "\(data.transcript.entries.count) entries"))
    }

    /// Folds or unfolds the selected transcript entry (following: the newest).
    static func toggleFold(_ s: inout ConsoleState, _ data: ConsoleData) -> (KeyResult, ConsoleAction?) {
        let shown = TranscriptView.visible(s, data.transcript)
        if s.follow {
            s.follow = false
            s.selection = max(0, shown.count - 1)
        }
        guard let entry = shown[safe: s.selection] else { return ([], nil) }
        if s.unfolded.contains(entry) { s.unfolded.remove(entry) } else { s.unfolded.insert(entry) }
        return (.redraw, nil)
    }

    /// A regex matching the errors of a signature: masked parts match anything of their kind.
    static func signatureRegex(_ signature: String) -> String {
        NSRegularExpression.escapedPattern(for: signature)
            .replacingOccurrences(of: "#", with: "[0-9.]+")
            .replacingOccurrences(of: "<id>", with: "[0-9a-fA-F-]+")
            .replacingOccurrences(of: "\"…\"", with: "\".*\"")
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

    static func commandKey(_ key: Key, _ s: inout ConsoleState) -> (KeyResult, ConsoleAction?) {
        switch key {
        case .escape: s.command = nil; return (.redraw, nil)
        case .backspace:
            if s.command?.isEmpty == true { s.command = nil } else { s.command?.removeLast() }
            return (.redraw, nil)
        case .char(let ch): s.command?.append(ch); return (.redraw, nil)
        case .enter:
            let line = (s.command ?? "").trimmingCharacters(in: .whitespaces)
            s.command = nil
            return ConsoleCommands.run(line, &s)
        default: return ([], nil)
        }
    }

    /// The hint bar: the keys that work on this screen now.
    public static func hints(for s: ConsoleState) -> [(String, String)] {
        if s.confirm != nil { return [("y", "yes"), ("n", "no")] }
        if s.denial != nil { return [("Enter", "deny"), ("Esc", "cancel"), ("the reason goes back to the job", "")] }
        if s.command != nil { return [("Enter", "run"), ("Esc", "cancel"), (ConsoleCommands.usage(brief: true), "")] }
        if s.editingFilter { return [("Enter", "apply"), ("Esc", "clear"), ("regex or text", "")] }
        return bindings(on: s.screen.kind).compactMap { b in
            guard let hint = b.hint, !(b.writes && s.readOnly) else { return nil }
            return (b.hintLabel, hint)
        }
    }

    /// The help screen's sections: what works everywhere, then each screen's own keys.
    public static func help(readOnly: Bool) -> [(String, [(String, String)])] {
        var sections: [(String, [(String, String)])] = [("Everywhere", Bindings.table.filter(\.screens.isEmpty).map { ($0.keyLabels, $0.help) })]
        for kind in ScreenKind.allCases {
            let own = Bindings.table.filter { !$0.screens.isEmpty && $0.works(on: kind) }
            if !own.isEmpty { sections.append((kind.title, own.map { ($0.keyLabels, $0.help + ($0.writes && readOnly ? " (off)" : "")) })) }
        }
        if readOnly { sections.append(("Read-only", [("", "this console was started with --read-only: actions are disabled")])) }
        return sections
    }
}

extension ConsoleData {
    /// Ids of every job the filter matched (not only the loaded window), for a bulk requeue.
    public var filterMatches: [String] { filterMatchIDs }
}
