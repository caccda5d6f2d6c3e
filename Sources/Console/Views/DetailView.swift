import AgentCore
import Foundation

/// One job, read from the same view the CLI's and the API's JSON are written from: its fields, its
/// plan as a step timeline, every attempt with its error, and its spec.
enum DetailView {
    static func lines(_ job: JobView, now: Date, files: JobFilesSnapshot? = nil, selected: Int = 0) -> [(String, Role)] {
        var out: [(String, Role)] = []
        func field(_ k: String, _ v: String, _ role: Role = .text) { out.append(("  " + k.padding(toLength: 11, withPad: " ", startingAt: 0) + v, role)) }
        // What waits on a person comes first.
        if let a = job.approval, job.state == .active { out += ApprovalsView.detailLines(a, now: now) }
        field("state", job.state.rawValue + (job.cancelRequested ? " (cancel requested)" : ""), Role.state(job.state.rawValue))
        field("queue", job.queue)
        field("attempts", "\(job.attempts)/\(job.maxAttempts)" + (job.orphaned > 0 ? " · orphaned \(job.orphaned)×" : ""),
              job.orphaned > 0 ? .warn : .text)
        field("created", job.createdAt.map { "\(HumanText.age($0, now: now)) ago" } ?? "-")
        if let w = job.worker, job.state == .active { field("worker", w) }
        if let lease = job.leaseUntil, job.state == .active { field("lease", "\(HumanText.duration(lease.timeIntervalSince(now))) left") }
        if let run = job.runAt, job.state == .retrying || job.state == .scheduled { field("runs in", HumanText.duration(run.timeIntervalSince(now))) }
        field("sandbox", (job.sandbox ?? "-") + (job.sandboxSeconds.map { String(format: " · %.1f s, about $%.5f", $0, job.costUSD ?? 0) } ?? ""))
        if let agent = job.usage.agentSummary { field("agent", agent + " · T: its transcript") }
        if let origin = job.forkedFrom { field("forked from", "\(origin.job) at turn \(origin.turn)") }
        if let e = job.error { field("error", Fmt.oneLine(e), .stateFailed) }
        out.append(("", .text))
        out.append(("PLAN", .header))
        let spec = try? JobSpecParser.stored.parse(job.spec)
        if job.steps.isEmpty {
            for (i, step) in (spec?.steps ?? []).enumerated() { out.append(("  \(i + 1) ○ \(step.tool)  \(summary(step))", .dim)) }
        }
        for (i, s) in job.steps.enumerated() {
            let mark: String, role: Role
            switch s.status {
            case .succeeded: (mark, role) = ("✓", .stateSucceeded)
            case .failed: (mark, role) = ("✗", .stateFailed)
            case .running: (mark, role) = ("▶", .stateActive)
            case .cancelled: (mark, role) = ("⊘", .stateCancelled)
            case .skipped: (mark, role) = ("-", .dim)
            case .pending: (mark, role) = ("○", .dim)
            }
            var line = "  \(i + 1) \(mark) \(s.tool.padding(toLength: 10, withPad: " ", startingAt: 0))"
            line += " " + (s.status == .running ? HumanText.age(s.startedAt.map { Date(timeIntervalSince1970: $0) }, now: now) : HumanText.duration(s.seconds))
            if let code = s.exitCode { line += "  exit \(code)" }
            line += "  \(s.outputBytes) B"
            if let step = spec?.steps[safe: i] { line += "  " + summary(step) }
            out.append((line, role))
            if let e = s.error { out.append(("      " + Fmt.oneLine(e), .stateFailed)) }
        }
        if let files, files.jobID == job.id { out += fileLines(files, job: job, selected: selected) }
        out.append(("", .text))
        out.append(("HISTORY", .header))
        for e in job.history {
            var line = "  " + Fmt.clock(e.at) + "  " + e.event
            if let a = e.attempt { line += " #\(a)" }
            if let w = e.worker, !w.isEmpty { line += " by \(w)" }
            if let n = e.note { line += " (\(n))" }
            if let err = e.error { line += ": " + Fmt.oneLine(err) }
            let role: Role = e.error != nil ? .stateFailed : e.event == "orphaned" || e.event == "ack_ignored" ? .warn : .text
            out.append((line, role))
        }
        out.append(("", .text))
        out.append(("SPEC", .header))
        let pretty = job.spec.stringValue ?? job.spec.prettyJSON()
        for l in pretty.split(separator: "\n", omittingEmptySubsequences: false) { out.append(("  " + l, .dim)) }
        return out
    }

    /// The job's files: f picks one, S saves it here. The names are the job's: shown as untrusted text.
    static func fileLines(_ files: JobFilesSnapshot, job: JobView, selected: Int) -> [(String, Role)] {
        var out: [(String, Role)] = [("", .text)]
        let held = job.artifactBytes.map { " · \(HumanText.bytes($0)) in the artifact store" } ?? ""
        guard let manifest = files.manifest else {
            out.append(("FILES" + held, .header))
            out.append(("  " + (files.error.map { "cannot read them: " + Fmt.oneLine($0) } ?? (job.state.isTerminal ? "none kept" : "kept when the job ends")),
                        files.error == nil ? .dim : .warn))
            return out
        }
        out.append(("FILES · \(manifest.files.count) · \(HumanText.bytes(manifest.bytes))\(held) · f: next · S: save it here", .header))
        let chosen = selected % max(1, manifest.files.count)
        for (i, f) in manifest.files.prefix(200).enumerated() {
            out.append(((i == chosen ? "▸ " : "  ") + Fmt.oneLine(f.path) + "  " + HumanText.bytes(f.size), i == chosen ? .selection : .text))
        }
        if manifest.files.count > 200 { out.append(("  … and \(manifest.files.count - 200) more (swissagent jobs files \(job.id))", .dim)) }
        if !manifest.omitted.isEmpty {
            out.append(("  left out" + (manifest.omittedWhy.map { " (\(Fmt.oneLine($0)))" } ?? "") + ": "
                        + manifest.omitted.prefix(10).map { Fmt.oneLine($0) }.joined(separator: ", ") + (manifest.omitted.count > 10 ? ", …" : ""), .warn))
        }
        return out
    }

    static func summary(_ step: StepSpec) -> String {
        Fmt.oneLine(step.input["command"]?.stringValue ?? step.input["path"]?.stringValue ?? step.input["language"]?.stringValue ?? "")
    }

    static func render(_ c: inout Canvas, _ r: Rect, _ state: ConsoleState, _ data: ConsoleData) {
        guard let job = data.detail else {
            c.put(1, r.y, data.redis == .up ? "Loading… (or no such job)" : "Waiting for Redis…", .dim)
            return
        }
        let all = lines(JobView(job), now: data.now, files: data.files, selected: state.selection)
        let top = max(0, min(state.scroll, all.count - r.height))
        for (i, (text, role)) in all.dropFirst(top).prefix(r.height).enumerated() {
            c.putTruncated(r.x, r.y + i, text, role, maxWidth: r.width)
        }
    }
}

extension Array {
    subscript(safe i: Int) -> Element? { i >= 0 && i < count ? self[i] : nil }
}
