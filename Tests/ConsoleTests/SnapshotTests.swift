import AgentCore
import Console
import Foundation
import Testing

/// Every screen rendered from fixed data at 80x24 and at 40x10, compared with the text files in
/// Snapshots/. RECORD_SNAPSHOTS=1 writes them afresh (then read the diff before committing).
@Suite struct SnapshotTests {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")

    /// Each screen is two layers: its text (`NAME-WxH.txt`) and each cell's style role
    /// (`NAME-WxH.roles.txt`, one letter per cell, legend on top), so the selected row, the colours
    /// by state and the banners are held as well as the words.
    func check(_ name: String, _ state: ConsoleState, _ data: ConsoleData, sizes: [(Int, Int)] = [(80, 24), (40, 10)]) throws {
        for (w, h) in sizes {
            let canvas = Render.screen(state, data, width: w, height: h)
            for (suffix, text) in [("txt", canvas.text + "\n"), ("roles.txt", Self.roles(canvas))] {
                let file = Self.dir.appendingPathComponent("\(name)-\(w)x\(h).\(suffix)")
                if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] != nil {
                    try text.write(to: file, atomically: true, encoding: .utf8)
                    continue
                }
                let expected = try String(contentsOf: file, encoding: .utf8)
                #expect(text == expected, "\(name) at \(w)x\(h) differs from \(file.path):\n\(text)")
            }
        }
    }

    /// One letter per role; every role has its own.
    static let letters: [Role: Character] = Dictionary(uniqueKeysWithValues: zip(Role.allCases,
        Array(".dTHbSMhkiEIDtpsowe1234567ORYJKLNPQA")))

    static func roles(_ canvas: Canvas) -> String {
        let legend = Role.allCases.map { "\(letters[$0] ?? "?")=\($0.rawValue)" }.joined(separator: " ")
        let rows = (0..<canvas.height).map { y in String((0..<canvas.width).map { letters[canvas[$0, y].role] ?? "?" }) }
        return ([legend] + rows).joined(separator: "\n") + "\n"
    }

    @Test func everyRoleHasItsOwnLetter() {
        #expect(Set(Self.letters.values).count == Role.allCases.count)
    }

    @Test func queues() throws {
        try check("queues", ConsoleState(), Fixtures.data)
    }

    @Test func failedJobs() throws {
        var d = Fixtures.data
        d.list = Fixtures.failedJobs()
        d.listTotal = 10_000
        var s = ConsoleState()
        s.screen = .jobs(queue: "default", state: .failed)
        s.selection = 2
        s.marks = ["01a20000000000000003"]
        try check("jobs-failed", s, d)
    }

    @Test func activeJobs() throws {
        var d = Fixtures.data
        d.list = Fixtures.activeJobs()
        d.listTotal = 3
        var s = ConsoleState()
        s.screen = .jobs(queue: nil, state: .active)
        try check("jobs-active", s, d)
    }

    @Test func detail() throws {
        var d = Fixtures.data
        d.detail = Fixtures.job
        var s = ConsoleState()
        s.screen = .detail(id: Fixtures.job.id)
        try check("detail", s, d)
    }

    @Test func mergedOutput() throws {
        var d = Fixtures.data
        d.output = Fixtures.output
        var s = ConsoleState()
        s.screen = .output(id: nil)
        s.timestamps = true
        try check("output-merged", s, d)
    }

    /// The awaiting-approval tab, with the count in the header and the tabs; the selected call's
    /// escape sequence is shown, never sent.
    @Test func awaitingApproval() throws {
        var d = Fixtures.data
        d.queues[0].awaiting = 75
        d.queues[1].awaiting = 25
        d.approvals = Fixtures.approvals()
        var s = ConsoleState()
        s.screen = .approvals(queue: nil)
        try check("awaiting", s, d)
    }

    /// A job's detail while its call waits, and the denial's reason being typed.
    @Test func detailOfAWaitingCall() throws {
        var d = Fixtures.data
        d.queues[0].awaiting = 1
        var job = Fixtures.job
        job.state = .active
        job.approval = Fixtures.approvals()[1].request
        d.detail = job
        var s = ConsoleState()
        s.screen = .detail(id: job.id)
        s.denial = DenialPrompt(id: job.id, call: "r1", reason: "not from the internet")
        try check("detail-awaiting", s, d)
    }

    @Test func workers() throws {
        var s = ConsoleState()
        s.screen = .workers
        try check("workers", s, Fixtures.data)
    }

    @Test func help() throws {
        var s = ConsoleState(readOnly: true)
        s.screen = .help
        try check("help-readonly", s, Fixtures.data, sizes: [(80, 24)])
    }

    @Test func redisDownBannerAndConfirmation() throws {
        var d = Fixtures.data
        d.redis = .down(reason: "connection refused", retryAt: Fixtures.now.addingTimeInterval(3))
        var s = ConsoleState()
        s.confirm = Confirmation(question: "Requeue all 10000 failed jobs of default?", action: .requeueMatching(queue: "default", filter: ""))
        try check("redis-down-confirm", s, d)
    }

    @Test func errorGroups() throws {
        var d = Fixtures.data
        d.groups = [ErrorGroup(signature: "step # (shell) exited with status #", count: 20, example: "", ids: [], queues: ["default"]),
                    ErrorGroup(signature: "step # exceeded its # s time limit", count: 10, example: "", ids: [], queues: ["default", "reports"])]
        var s = ConsoleState()
        s.screen = .groups(queue: nil)
        try check("groups", s, d, sizes: [(80, 24)])
    }

    /// A task job's transcript, following: the totals against the budget on top, the turns, the
    /// folded listing, the repair and the failure marked, and the words still streaming at the bottom.
    @Test func transcriptFollowing() throws {
        var d = Fixtures.data
        d.transcript = Fixtures.transcript
        d.detail = Fixtures.taskJob
        var s = ConsoleState()
        s.screen = .transcript(id: Fixtures.taskJob.id)
        try check("transcript", s, d)
    }

    /// Paused on the listing, unfolded with Enter: every line of it shows, the entry selected.
    @Test func transcriptUnfolded() throws {
        var d = Fixtures.data
        d.transcript = Fixtures.transcript
        d.detail = Fixtures.taskJob
        var s = ConsoleState()
        s.screen = .transcript(id: Fixtures.taskJob.id)
        s.follow = false
        s.selection = 5
        s.unfolded = [5]
        try check("transcript-unfolded", s, d, sizes: [(80, 24)])
    }

    /// Task jobs in the failed list: their usage, and which budget ran out.
    @Test func failedTaskJobs() throws {
        var d = Fixtures.data
        d.list = Fixtures.failedJobs().prefix(3).enumerated().map { i, j in
            var j = j
            j.task = "Summarise the logs of run \(i)"
            j.tools = ""
            j.lastError = ["agent used its 10 turns without finishing", "agent spent its $0.50 without finishing", "step 1 (shell) exited with status 1"][i]
            j.agent = AgentUsage(model: "qwen-local", turns: 10 - i, inputTokens: 12_000 * (i + 1), outputTokens: 900, dollars: 0.25 * Double(i + 1))
            return j
        }
        d.listTotal = 3
        var s = ConsoleState()
        s.screen = .jobs(queue: "default", state: .failed)
        try check("jobs-failed-tasks", s, d)
    }

    /// A task job whose call waits for a person: the call shows last, with the keys that decide it.
    @Test func transcriptAwaitingApproval() throws {
        var d = Fixtures.data
        d.queues[0].awaiting = 1
        d.transcript = Fixtures.transcript
        var job = Fixtures.taskJob
        job.approval = Fixtures.approvals()[1].request
        d.detail = job
        var s = ConsoleState()
        s.screen = .transcript(id: job.id)
        try check("transcript-awaiting", s, d, sizes: [(80, 24)])
    }
}
