import AgentCore
import Foundation

/// Every key binding, in the order the hint bar shows them. The first binding that has the key and
/// works on the screen handles it.
public enum Bindings {
    public static let table: [Binding] = movement + [filter] + queues + transcript + output + jobs + approvals + [openTranscript] + groups
        + files + general

    static let filter = Binding([.char("/")], on: [.jobs, .output, .transcript, .groups], hint: "filter",
                                help: "filter the list (regex or text; tenant:NAME; on a transcript, text)") { s, _ in
        s.editingFilter = true; return (.redraw, nil)
    }

    static let movement: [Binding] = [
        Binding([.char("j"), .down], hint: "move", hintKeys: "↑↓", help: "down") { s, c in Keymap.move(&s, c.data, by: 1); return (.redraw, nil) },
        Binding([.char("k"), .up], help: "up") { s, c in Keymap.move(&s, c.data, by: -1); return (.redraw, nil) },
        Binding([.pageDown, .ctrl("f"), .ctrl("d")], help: "a page down") { s, c in
            Keymap.move(&s, c.data, by: Render.listRows(height: c.height)); return (.redraw, nil)
        },
        Binding([.pageUp, .ctrl("b"), .ctrl("u")], help: "a page up") { s, c in
            Keymap.move(&s, c.data, by: -Render.listRows(height: c.height)); return (.redraw, nil)
        },
        Binding([.char("g"), .home], help: "first") { s, c in Keymap.move(&s, c.data, by: -Int.max / 2); return (.redraw, nil) },
        Binding([.char("G"), .end], help: "last (on output and a transcript: follow again)") { s, c in
            Keymap.move(&s, c.data, by: Int.max / 2)
            if s.screen.kind == .output || s.screen.kind == .transcript { s.follow = true }
            return (.redraw, nil)
        },
    ]

    static let queues: [Binding] = [
        Binding([.enter], on: [.queues], hint: "jobs", help: "the queue's pending jobs") { s, c in
            if let q = c.data.queues[safe: s.selection] { s.go(.jobs(queue: q.queue, state: .pending)) }
            return ([.redraw, .refetch], nil)
        },
        Binding([.char("f")], on: [.queues], hint: "failed", help: "the queue's failed jobs") { s, c in
            s.go(.jobs(queue: c.data.queues[safe: s.selection]?.queue, state: .failed)); return ([.redraw, .refetch], nil)
        },
        Binding([.char("a")], on: [.queues], hint: "active", help: "the queue's active jobs") { s, c in
            s.go(.jobs(queue: c.data.queues[safe: s.selection]?.queue, state: .active)); return ([.redraw, .refetch], nil)
        },
        Binding([.char("e")], on: [.queues], hint: "errors", help: "the queue's failed jobs grouped by error") { s, c in
            s.go(.groups(queue: c.data.queues[safe: s.selection]?.queue)); return ([.redraw, .refetch], nil)
        },
        Binding([.char("o")], on: [.queues], hint: "tail", help: "tail every active job's output") { s, _ in
            s.go(.output(id: nil)); return ([.redraw, .refetch], nil)
        },
        Binding([.char("A")], on: [.queues], hint: "awaiting", help: "the queue's calls awaiting approval") { s, c in
            s.go(.approvals(queue: c.data.queues[safe: s.selection]?.queue)); return ([.redraw, .refetch], nil)
        },
        Binding([.char("w")], on: [.queues], hint: "workers", help: "the workers") { s, _ in s.go(.workers); return ([.redraw, .refetch], nil) },
        Binding([.char("p")], on: [.queues], hint: "pause/resume", help: "pause or resume the queue", writes: true) { s, c in
            guard let q = c.data.queues[safe: s.selection] else { return ([], nil) }
            return q.paused ? Keymap.ask(&s, "Resume queue \(q.queue)? Workers start taking its \(q.pending) pending jobs.", .resume(queue: q.queue))
                : Keymap.ask(&s, "Pause queue \(q.queue)? Workers stop taking its jobs; running ones finish.", .pause(queue: q.queue))
        },
        Binding([.char("R")], on: [.queues], hint: "requeue failed", help: "requeue every failed job of the queue", writes: true) { s, c in
            guard let q = c.data.queues[safe: s.selection], q.failed > 0 else { s.message = ("no failed jobs here", true); return (.redraw, nil) }
            return Keymap.ask(&s, "Requeue all \(q.failed) failed jobs of \(q.queue)?", .requeueMatching(queue: q.queue, filter: ""))
        },
    ]

    static let jobs: [Binding] = [
        Binding([.char("l"), .right, .tab], on: [.jobs, .approvals], hint: "state", hintKeys: "h/l", help: "the next state") { s, _ in
            Keymap.cycleState(&s, by: 1)
        },
        Binding([.char("h"), .left, .backTab], on: [.jobs, .approvals], help: "the previous state") { s, _ in Keymap.cycleState(&s, by: -1) },
        Binding([.enter], on: [.jobs], hint: "detail", help: "the job's detail") { s, c in
            if let job = c.data.row(s.selection) { s.go(.detail(id: job.id)) }
            return ([.redraw, .refetch], nil)
        },
        Binding([.char("o")], on: [.jobs, .detail, .approvals, .transcript], hint: "output", help: "the job's output") { s, c in
            if let id = Keymap.selectedJob(s, c.data) { s.go(.output(id: id)) }
            return ([.redraw, .refetch], nil)
        },
        Binding([.char(" ")], on: [.jobs], hint: "mark", help: "mark or unmark the job (r and d take the marked jobs)") { s, c in
            if let job = c.data.row(s.selection) {
                if s.marks.contains(job.id) { s.marks.remove(job.id) } else { s.marks.insert(job.id) }
                Keymap.move(&s, c.data, by: 1)
            }
            return (.redraw, nil)
        },
        Binding([.char("r")], on: [.jobs, .detail], hint: "requeue", help: "requeue the job (or the marked jobs)", writes: true) { s, c in
            let ids = Keymap.selectedOrMarked(s, c.data)
            guard !ids.isEmpty else { return ([], nil) }
            return Keymap.ask(&s, ids.count == 1 ? "Requeue job \(ids[0])?" : "Requeue the \(ids.count) marked jobs?", .requeue(ids: ids))
        },
        Binding([.char("R")], on: [.jobs], hint: "requeue all", help: "requeue every failed job (that matches the filter)", writes: true) { s, c in
            Keymap.requeueAll(&s, c.data)
        },
        Binding([.char("c")], on: [.jobs, .detail, .transcript], hint: "cancel", help: "cancel the job (a running one: its worker stops it)",
                writes: true) { s, c in
            guard let id = Keymap.selectedJob(s, c.data) else { return ([], nil) }
            let running = Keymap.selectedState(s, c.data) == .active
            return Keymap.ask(&s, "Cancel job \(id)?" + (running ? " Its worker will stop it." : ""), .cancel(id: id))
        },
        Binding([.char("d")], on: [.jobs, .detail], hint: "delete", help: "delete the job (or the marked jobs) with history and output",
                writes: true) { s, c in
            let ids = Keymap.selectedOrMarked(s, c.data)
            guard !ids.isEmpty else { return ([], nil) }
            return Keymap.ask(&s, ids.count == 1 ? "Delete job \(ids[0]) with its history and output?" : "Delete the \(ids.count) marked jobs?",
                              .delete(ids: ids))
        },
        Binding([.char("x")], on: [.jobs, .detail], hint: "run here",
                help: "run the job here, in the local sandbox (a finished one: a copy)", writes: true) { s, c in
            guard let id = Keymap.selectedJob(s, c.data) else { return ([], nil) }
            let question = Keymap.selectedState(s, c.data) == .pending
                ? "Take job \(id) and run it here, in the local sandbox?" : "Run a copy of job \(id) here, in the local sandbox?"
            return Keymap.ask(&s, question, .runLocally(id: id))
        },
        Binding([.char("E")], on: [.jobs, .detail], hint: "edit", help: "edit the spec in $EDITOR and queue the copy", writes: true) { s, c in
            guard let id = Keymap.selectedJob(s, c.data) else { return ([], nil) }
            return (.redraw, .editAndRequeue(id: id))
        },
        Binding([.char("e")], on: [.jobs], hint: "errors", help: "failed jobs grouped by error") { s, _ in
            guard case .jobs(let queue, _) = s.screen else { return ([], nil) }
            s.go(.groups(queue: queue)); return ([.redraw, .refetch], nil)
        },
    ]

    /// After the approvals: where a call waits, approving it comes first on the hint bar.
    static let openTranscript = Binding([.char("T")], on: [.jobs, .detail, .approvals, .output], hint: "transcript",
                                        help: "the task job's transcript: turns, tool calls and results, live") { s, c in
        guard let id = Keymap.selectedJob(s, c.data) else { return ([], nil) }
        s.go(.transcript(id: id))
        return ([.redraw, .refetch], nil)
    }

    static let approvals: [Binding] = [
        Binding([.char("a")], on: [.approvals, .detail, .transcript], hint: "approve", help: "approve the waiting call: it runs", writes: true) { s, c in
            Keymap.approve(&s, c.data)
        },
        Binding([.char("D")], on: [.approvals, .detail, .transcript], hint: "deny", help: "deny the waiting call, with a reason the job gets back",
                writes: true) { s, c in
            Keymap.deny(&s, c.data)
        },
        Binding([.enter], on: [.approvals], hint: "detail", help: "the job's detail") { s, c in
            if let a = c.data.approvals[safe: s.selection] { s.go(.detail(id: a.jobID)) }
            return ([.redraw, .refetch], nil)
        },
    ]

    /// A job's files on its detail screen (kept in the artifact store when it ended).
    static let files: [Binding] = [
        Binding([.char("f")], on: [.detail], hint: "next file", help: "select the next of the job's files") { s, c in
            guard let n = c.data.files?.manifest?.files.count, n > 0 else { return ([], nil) }
            s.selection = (s.selection + 1) % n
            return (.redraw, nil)
        },
        Binding([.char("S"), .ctrl("s")], on: [.detail], hint: "save file", help: "save the selected file of the job here") { s, c in
            guard case .detail(let id) = s.screen, let files = c.data.files, files.jobID == id, let list = files.manifest?.files, !list.isEmpty else {
                s.message = ("the job has no files to save", true)
                return (.redraw, nil)
            }
            return (.redraw, .saveFile(id: id, path: list[s.selection % list.count].path))
        },
    ]

    static let groups: [Binding] = [
        Binding([.enter], on: [.groups], hint: "those jobs", help: "the failed jobs of the group") { s, c in
            guard let g = c.data.groups[safe: s.selection], case .groups(let queue) = s.screen else { return ([], nil) }
            s.go(.jobs(queue: queue, state: .failed))
            s.filter = Keymap.signatureRegex(g.signature)
            return ([.redraw, .refetch], nil)
        },
        Binding([.char("R"), .char("r")], on: [.groups], hint: "requeue group", help: "requeue every job of the group", writes: true) { s, c in
            guard let g = c.data.groups[safe: s.selection] else { return ([], nil) }
            return Keymap.ask(&s, "Requeue the \(g.count) failed jobs failing with \"\(g.signature)\"?", .requeue(ids: g.ids))
        },
    ]

    static let transcript: [Binding] = [
        Binding([.char("F")], on: [.transcript], hint: "fork",
                help: "fork the run at the selected entry's turn: a new job starts from the turns so far, with a message you write", writes: true) { s, c in
            guard case .transcript(let id) = s.screen else { return ([], nil) }
            let shown = TranscriptView.visible(s, c.data.transcript)
            let at = s.follow ? shown.last : shown[safe: s.selection]
            guard let at else { return ([], nil) }
            // The turn the selected entry belongs to: model calls up to it.
            let turn = c.data.transcript.entries.prefix(at + 1).filter { $0.kind == .modelCall }.count
            return (.redraw, .composeFork(id: id, turn: turn))
        },
        Binding([.enter], on: [.transcript], hint: "fold", help: "unfold the entry (a tool's result, a call's arguments), or fold it again") { s, c in
            Keymap.toggleFold(&s, c.data)
        },
        Binding([.char("S"), .ctrl("s")], on: [.transcript], hint: "save", help: "save the whole transcript as JSON to a file here") { s, c in
            Keymap.saveTranscript(s, c.data)
        },
    ]

    static let output: [Binding] = [
        Binding([.char("f")], on: [.output, .transcript], hint: "follow", help: "follow new output, on or off") { s, c in
            s.follow.toggle()
            if !s.follow {
                s.scroll = max(0, c.data.output.count - 1)
                if case .transcript = s.screen { s.selection = max(0, Keymap.count(s, c.data) - 1) }
            }
            return (.redraw, nil)
        },
        Binding([.char("w")], on: [.output], hint: "wrap", help: "wrap long lines, on or off") { s, _ in s.wrap.toggle(); return (.redraw, nil) },
        Binding([.char("t")], on: [.output], hint: "time", help: "timestamps, on or off") { s, _ in s.timestamps.toggle(); return (.redraw, nil) },
        Binding([.char("S"), .ctrl("s")], on: [.output], hint: "save", help: "save the lines shown to a file here") { s, c in
            Keymap.saveOutput(s, c.data)
        },
        Binding([.enter], on: [.output], hint: "job", help: "the detail of the line's job") { s, c in
            guard case .output(let id) = s.screen else { return ([], nil) }
            let line = OutputView.visible(s, c.data, merged: id == nil)[safe: s.follow ? c.data.output.count - 1 : s.selection]
            guard let target = id ?? line?.jobID else { return ([], nil) }
            s.go(.detail(id: target))
            return ([.redraw, .refetch], nil)
        },
    ]

    static let general: [Binding] = [
        Binding([.escape], hint: "back", help: "back (or first clear the filter, then the marks)") { s, _ in
            if !s.filter.isEmpty { s.filter = ""; s.selection = 0; return ([.redraw, .refetch], nil) }
            if !s.marks.isEmpty { s.marks = []; return (.redraw, nil) }
            s.goBack()
            return ([.redraw, .refetch], nil)
        },
        Binding([.char(":")], hint: "cmd", help: "a command: " + ConsoleCommands.usage(brief: false)) { s, _ in s.command = ""; return (.redraw, nil) },
        Binding([.char("?")], hint: "help", help: "this help") { s, _ in s.go(.help); return ([.redraw], nil) },
        Binding([.char("q")], hint: "quit", help: "back; on the queues, quit") { s, _ in
            if s.back.isEmpty && s.screen == .queues { return (.quit, nil) }
            s.goBack()
            return ([.redraw, .refetch], nil)
        },
    ]
}
