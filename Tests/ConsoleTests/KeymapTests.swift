import AgentCore
import Console
import Foundation
import Testing

@Suite struct KeymapTests {
    func press(_ keys: [Key], _ s: inout ConsoleState, _ d: ConsoleData) -> [ConsoleAction] {
        var actions: [ConsoleAction] = []
        for k in keys {
            let (_, a) = Keymap.handle(k, &s, d, height: 24)
            if let a { actions.append(a) }
        }
        return actions
    }

    var failedData: ConsoleData {
        var d = Fixtures.data
        d.list = Fixtures.failedJobs()
        d.listTotal = 30
        return d
    }

    static func screen(_ kind: ScreenKind) -> Screen {
        switch kind {
        case .queues: .queues
        case .jobs: .jobs(queue: nil, state: .failed)
        case .groups: .groups(queue: nil)
        case .detail: .detail(id: "j1")
        case .output: .output(id: nil)
        case .transcript: .transcript(id: "j1")
        case .approvals: .approvals(queue: nil)
        case .workers: .workers
        case .help: .help
        }
    }

    /// The table is the one place a key is spelled: every binding of a screen is in that screen's
    /// help and (on a wide enough terminal) its hint bar, and no earlier binding shadows it.
    @Test func everyBindingShowsInHelpAndHintsAndIsReachable() {
        for readOnly in [false, true] {
            let help = Keymap.help(readOnly: readOnly)
            for kind in ScreenKind.allCases {
                var s = ConsoleState(readOnly: readOnly)
                s.screen = Self.screen(kind)
                let sections = help.filter { $0.0 == "Everywhere" || $0.0 == kind.title }.flatMap(\.1)
                let bar = Render.screen(s, Fixtures.data, width: 600, height: 24).line(23)
                for b in Keymap.bindings(on: kind) {
                    #expect(sections.contains { $0.0 == b.keyLabels && $0.1.hasPrefix(b.help) }, "\(b.keyLabels) missing from \(kind) help")
                    guard let hint = b.hint else { continue }
                    let shown = bar.contains(b.hintLabel + " " + hint)
                    #expect(shown == !(readOnly && b.writes), "\(b.hintLabel) \(hint) on \(kind), read-only \(readOnly): \(bar)")
                }
            }
        }
        for (index, b) in Bindings.table.enumerated() {
            for kind in ScreenKind.allCases where b.works(on: kind) {
                for key in b.keys {
                    let first = Bindings.table.firstIndex { $0.keys.contains(key) && $0.works(on: kind) }
                    #expect(first == index, "\(key.label) on \(kind) is shadowed")
                }
            }
        }
    }

    /// The `:` commands are listed from their table wherever they are named.
    @Test func commandsAreNamedFromOneTable() {
        var s = ConsoleState()
        _ = press([.char(":")] + "nonsense".map { Key.char($0) } + [.enter], &s, Fixtures.data)
        #expect(s.message?.text == "unknown command :nonsense (try \(ConsoleCommands.usage(brief: true)))")
        for command in ConsoleCommands.table {
            #expect(ConsoleCommands.usage(brief: false).contains(command.usage))
        }
        _ = press([.char(":")] + "job".map { Key.char($0) } + [.enter], &s, Fixtures.data)
        #expect(s.message?.text == "usage: :job ID")
        _ = press([.char(":")] + "failed beta".map { Key.char($0) } + [.enter], &s, Fixtures.data)
        #expect(s.screen == .jobs(queue: "beta", state: .failed))
        var ro = ConsoleState(readOnly: true)
        #expect(press([.char(":")] + "submit /tmp/x.json".map { Key.char($0) } + [.enter], &ro, Fixtures.data).isEmpty)
        #expect(ro.message?.text == "read-only: actions are disabled")
    }

    /// Saving output is an action the runner performs; the key itself writes nothing.
    @Test func savingOutputIsAnAction() {
        var s = ConsoleState(readOnly: true)
        s.screen = .output(id: "j1")
        var d = Fixtures.data
        d.output = Fixtures.output.map { var l = $0; l.jobID = "j1"; return l }
        let actions = press([.char("S")], &s, d)
        guard case .save(let path, let text, let what)? = actions.first else { Issue.record("no save action: \(actions)"); return }
        #expect(path.hasSuffix(".log") && path.contains("swissagent-output-j1-"))
        #expect(what == "\(d.output.count) lines" && text.hasSuffix("\n"))
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(!ConsoleAction.save(path: path, text: text, what: what).writesQueue)
    }

    /// On a job's detail every action takes that job, whatever row the list below it had selected.
    @Test func theDetailScreenActsOnItsOwnJob() {
        var s = ConsoleState()
        s.screen = .jobs(queue: "default", state: .failed)
        var d = failedData
        _ = press([.char("j"), .char("j"), .char("j")], &s, d)
        let id = Fixtures.failedJobs()[3].id
        _ = press([.enter], &s, d)
        #expect(s.screen == .detail(id: id))
        d.detail = nil
        _ = press([.char("r")], &s, d)
        #expect(s.confirm?.action == .requeue(ids: [id]))
        _ = press([.char("n"), .char("d")], &s, d)
        #expect(s.confirm?.action == .delete(ids: [id]))
        _ = press([.char("n"), .char("c")], &s, d)
        #expect(s.confirm?.action == .cancel(id: id))
    }

    @Test func navigatesLikeK9s() {
        var s = ConsoleState()
        let d = failedData
        _ = press([.char("f")], &s, d)
        #expect(s.screen == .jobs(queue: "default", state: .failed))
        _ = press([.char("j"), .char("j"), .down, .char("k")], &s, d)
        #expect(s.selection == 2)
        _ = press([.char("G")], &s, d)
        #expect(s.selection == 29)
        _ = press([.char("g"), .pageDown], &s, d)
        #expect(s.selection == Render.listRows(height: 24))
        _ = press([.char("l")], &s, d)
        #expect(s.screen == .jobs(queue: "default", state: .succeeded))
        _ = press([.char("h"), .enter], &s, d)
        #expect(s.screen == .detail(id: Fixtures.failedJobs()[0].id))
        _ = press([.escape, .escape], &s, d)
        #expect(s.screen == .queues)
        let (result, _) = Keymap.handle(.char("q"), &s, d, height: 24)
        #expect(result.contains(.quit))
    }

    @Test func actionsAskFirstAndCarryTheMarkedJobs() {
        var s = ConsoleState()
        s.screen = .jobs(queue: "default", state: .failed)
        let d = failedData
        #expect(press([.char(" "), .char(" "), .char("r")], &s, d).isEmpty)
        #expect(s.confirm?.question == "Requeue the 2 marked jobs?")
        let actions = press([.char("y")], &s, d)
        #expect(actions == [.requeue(ids: [Fixtures.failedJobs()[0].id, Fixtures.failedJobs()[1].id])])
        _ = press([.char("c")], &s, d)
        #expect(press([.char("n")], &s, d).isEmpty)
        #expect(s.confirm == nil && s.message?.text == "cancelled")
    }

    @Test func requeueAllMatchingTheFilterStatesTheCount() {
        var s = ConsoleState()
        s.screen = .jobs(queue: "default", state: .failed)
        var d = failedData
        _ = press([.char("/"), .char("t"), .char("i"), .char("m"), .char("e"), .enter], &s, d)
        #expect(s.filter == "time")
        d.filterMatchIDs = ["a", "b", "c"]
        _ = press([.char("R")], &s, d)
        #expect(s.confirm?.question == "Requeue the 3 failed jobs matching /time/?")
        #expect(press([.char("y")], &s, d) == [.requeue(ids: ["a", "b", "c"])])
    }

    @Test func readOnlyRefusesEveryAction() {
        var s = ConsoleState(readOnly: true)
        s.screen = .jobs(queue: "default", state: .failed)
        let d = failedData
        for key in [Key.char("r"), .char("R"), .char("c"), .char("d"), .char("x"), .char("E")] {
            #expect(press([key], &s, d).isEmpty)
            #expect(s.confirm == nil)
            #expect(s.message?.text == "read-only: actions are disabled")
        }
        #expect(!Keymap.hints(for: s).contains { $0.0 == "r" })
    }

    @Test func commandLine() {
        var s = ConsoleState()
        let d = Fixtures.data
        _ = press([.char(":")] + "job 01abc".map { .char($0) } + [.enter], &s, d)
        #expect(s.screen == .detail(id: "01abc"))
        _ = press([.char(":")] + "failed".map { .char($0) } + [.enter], &s, d)
        #expect(s.screen == .jobs(queue: nil, state: .failed))
        _ = press([.char(":")] + "nonsense".map { .char($0) } + [.enter], &s, d)
        #expect(s.message?.error == true)
        let (r, _) = Keymap.handle(.char(":"), &s, d, height: 24)
        #expect(r.contains(.redraw))
        _ = press("q".map { .char($0) }, &s, d)
        let (quit, _) = Keymap.handle(.enter, &s, d, height: 24)
        #expect(quit.contains(.quit))
    }

    @Test func groupsOpenTheirJobsAsARegexFilter() {
        var s = ConsoleState()
        s.screen = .groups(queue: nil)
        var d = Fixtures.data
        d.groups = [ErrorGroup(signature: "step # (shell) exited with status #", count: 2, example: "", ids: ["x", "y"], queues: [])]
        _ = press([.enter], &s, d)
        #expect(s.screen == .jobs(queue: nil, state: .failed))
        let filter = JobFilter(text: s.filter, regex: true)
        #expect(filter.matches(error: "step 12 (shell) exited with status 3", specJSON: nil))
        #expect(!filter.matches(error: "step 2 exceeded its 10 s time limit", specJSON: nil))
    }
}

@Suite struct ThemeAndTextTests {
    @Test func themesOverrideDefaultsAndWarnOnUnknownKeys() {
        let t = Theme.parse("state.failed = bright-red on black bold\nno.such.role = red\nselection = purple\n", name: "t")
        #expect(t[.stateFailed] == Style(fg: .index(9), bg: .index(0), bold: true))
        #expect(t[.stateSucceeded] == Theme.builtin[.stateSucceeded])
        #expect(t.warnings.count == 2)
        #expect(t.warnings[0].contains("unknown key \"no.such.role\""))
    }

    @Test func coloursDegradeToWhatTheTerminalHas() {
        #expect(TermColor.rgb(255, 0, 0).resolved(colors: 256) == 196)
        #expect(TermColor.rgb(128, 128, 128).resolved(colors: 256) == 244)
        #expect(TermColor.rgb(250, 10, 10).resolved(colors: 8) == 1)
        #expect(TermColor.index(9).resolved(colors: 8) == 1)
        #expect(TermColor.default.resolved(colors: 256) == -1)
    }

    @Test func everyShippedThemeLoadsCleanly() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("themes").path
        for name in Theme.themeNames {
            let t = try Theme.load(name, searchPaths: [dir])
            #expect(t.warnings.isEmpty, "\(name): \(t.warnings)")
        }
        #expect(try !Theme.load("mono", searchPaths: [dir]).color)
    }

    @Test func wideCharactersTakeTwoColumns() {
        var c = Canvas(width: 8, height: 1)
        c.put(0, 0, "日本x")
        #expect(c.line(0) == "日本x")
        #expect("日本x".terminalWidth == 5)
        var d = Canvas(width: 6, height: 1)
        d.putTruncated(0, 0, "abcdefghij", maxWidth: 6)
        #expect(d.line(0) == "abcde…")
    }

    @Test func errorSignaturesGroupLikeFailures() {
        #expect(ErrorSignature.of("step 2 exceeded its 10 s time limit") == ErrorSignature.of("step 3 exceeded its 30 s time limit"))
        #expect(ErrorSignature.of("job 01a21b3017a91b2ca036 not found") == "job <id> not found")
        #expect(ErrorSignature.of("unknown tool \"browser\"") == "unknown tool \"…\"")
        #expect(ErrorSignature.of(nil) == "(no error)")
    }
}

/// The transcript screen's keys: T and :transcript open it, Enter folds, S saves the whole JSON.
@Suite struct TranscriptKeyTests {
    func press(_ keys: [Key], _ s: inout ConsoleState, _ d: ConsoleData) -> [ConsoleAction] {
        keys.compactMap { Keymap.handle($0, &s, d, height: 24).1 }
    }

    var data: ConsoleData {
        var d = Fixtures.data
        d.transcript = Fixtures.transcript
        d.detail = Fixtures.taskJob
        return d
    }

    @Test func tAndTheCommandOpenIt() {
        var s = ConsoleState()
        s.screen = .detail(id: Fixtures.taskJob.id)
        _ = press([.char("T")], &s, data)
        #expect(s.screen == .transcript(id: Fixtures.taskJob.id))
        var t = ConsoleState()
        _ = press([.char(":")] + "transcript 01a2".map { Key.char($0) } + [.enter], &t, data)
        #expect(t.screen == .transcript(id: "01a2"))
    }

    /// Enter while following unfolds the newest entry; moving picks another, Enter again folds it back.
    @Test func enterFoldsAndUnfolds() {
        var s = ConsoleState()
        s.screen = .transcript(id: Fixtures.taskJob.id)
        let d = data
        _ = press([.enter], &s, d)
        #expect(!s.follow && s.unfolded == [d.transcript.entries.count - 1])
        _ = press([.char("g")] + Array(repeating: Key.char("j"), count: 5) + [.enter], &s, d)
        #expect(s.unfolded == [d.transcript.entries.count - 1, 5])
        _ = press([.enter], &s, d)
        #expect(s.unfolded == [d.transcript.entries.count - 1])
        _ = press([.char("G")], &s, d)
        #expect(s.follow)
    }

    /// S writes nothing itself: it is an action, whose text is the whole transcript as JSON, entries
    /// whole, read-only or not.
    @Test func saveIsTheWholeTranscriptAsJSON() throws {
        var s = ConsoleState(readOnly: true)
        s.screen = .transcript(id: Fixtures.taskJob.id)
        let d = data
        guard case .save(let path, let text, let what)? = press([.char("S")], &s, d).first else { Issue.record("no save action"); return }
        #expect(path.contains("swissagent-transcript-01a20000000000000077-") && path.hasSuffix(".json"))
        #expect(what == "\(d.transcript.entries.count) entries")
        let doc = try JSONValue.parse(Data(text.utf8))
        #expect(doc["job"]?.stringValue == Fixtures.taskJob.id && doc["model"]?.stringValue == "qwen-local")
        let entries = doc["entries"]?.arrayValue ?? []
        #expect(entries.count == d.transcript.entries.count)
        #expect(entries.compactMap { TranscriptEntry.decode($0.jsonString()) } == d.transcript.entries)
    }

    /// / keeps the entries that match; the count moves with it.
    @Test func filterKeepsMatchingEntries() {
        var s = ConsoleState()
        s.screen = .transcript(id: Fixtures.taskJob.id)
        _ = press([.char("/")] + "make".map { Key.char($0) } + [.enter], &s, data)
        #expect(s.filter == "make")
        let canvas = Render.screen(s, data, width: 80, height: 24).text
        #expect(canvas.contains("make -C app") && !canvas.contains("ls -la app"))
    }
}
