import AgentCore
import ArgumentParser
import CommandOptions
import Console
import Foundation
import Redis
import RedisQueue

struct BenchConsole: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "The console against a big queue: start time, refresh and redraw cost, idle CPU and memory, output latency.",
        discussion: "Fills its own key prefix with --pending and --failed jobs, measures, and removes them afterwards. Needs tmux.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "Pending jobs to fill the queue with.")
    var pending = 1_000_000

    @Option(help: "Failed jobs to fill the queue with.")
    var failed = 10_000

    @Option(help: "Jobs whose tool call waits for approval.")
    var awaiting = 100

    @Option(help: "Seconds to watch the idle console.")
    var idleSeconds: Double = 10

    func run() async throws {
        let prefix = "\(global.prefix)bench-\(JobID.make()):"
        let queue = RedisJobQueue(client: RedisClient(try global.redisConfig(), label: "bench"), prefix: prefix)
        do {
            try await measure(queue, prefix: prefix)
        } catch {
            try? await BenchCleanup.remove(prefix: prefix, client: queue.client)
            throw error
        }
        try await BenchCleanup.remove(prefix: prefix, client: queue.client)
    }

    private func measure(_ queue: RedisJobQueue, prefix: String) async throws {
        print("filling \(prefix) with \(pending) pending, \(failed) failed and \(awaiting) awaiting-approval jobs…")
        let spec = JobSpec(queue: "bench", steps: [StepSpec(tool: "shell", input: ["command": "true"])])
        var left = pending
        while left > 0 {
            _ = try await queue.enqueue(batch: Array(repeating: spec, count: min(left, 50_000)))
            left -= 50_000
        }
        var failSpec = spec
        failSpec.queue = "bench-failed"
        failSpec.maxAttempts = 1
        _ = try await queue.enqueue(batch: Array(repeating: failSpec, count: failed))
        let consumer = queue.withNewConnection(label: "bench-fail")
        var i = 0
        while let job = try await consumer.claim(queues: ["bench-failed"], worker: "bench", lease: 60, wait: 0) {
            _ = try await consumer.fail(job.token, error: "step 1 (shell) exited with status \(i % 7)", kind: .permanent)
            i += 1
        }

        // Calls waiting for a person: claimed, asked, and left waiting (their leases long enough for the run).
        var askSpec = spec
        askSpec.queue = "bench-awaiting"
        _ = try await queue.enqueue(batch: Array(repeating: askSpec, count: awaiting))
        while let job = try await consumer.claim(queues: ["bench-awaiting"], worker: "bench", lease: 3600, wait: 0) {
            let request = ApprovalRequest(id: JobID.make(), step: 0, tool: "shell", input: ["command": "true"], network: false,
                                          reason: "shell calls need approval", askedAt: Date().timeIntervalSince1970, timeoutSeconds: 3600)
            _ = try await consumer.askApproval(job.token, request: request)
        }

        // Refresh: what one poll of the queues screen, a page of failed jobs, of pending jobs and the
        // awaiting-approval tab costs this process.
        let source = DataSource(queue: queue)
        var refreshCPU: [Double] = [], refreshWall: [Double] = []
        for screen in [Screen.queues, .jobs(queue: "bench-failed", state: .failed), .jobs(queue: "bench", state: .pending),
                       .approvals(queue: nil)] {
            for _ in 0..<10 {
                let cpu0 = Self.cpuSeconds(), t0 = ContinuousClock.now
                try await source.refreshOnce(DataRequest(screen: screen, selection: 5000))
                refreshCPU.append(Self.cpuSeconds() - cpu0)
                refreshWall.append((ContinuousClock.now - t0).seconds)
            }
        }

        // Moving the selection: one render of the jobs screen at 120x40 from the loaded page.
        let (data, _) = source.snapshot
        var state = ConsoleState()
        state.screen = .jobs(queue: "bench", state: .pending)
        var renders: [Double] = []
        for n in 0..<200 {
            state.selection = 5000 + n % 100
            let t0 = ContinuousClock.now
            _ = Render.screen(state, data, width: 120, height: 40)
            renders.append((ContinuousClock.now - t0).seconds)
        }

        let latency = try await outputLatency(queue)
        let (start, idle) = try await consoleProcess(prefix: prefix)

        func ms(_ v: Double) -> String { String(format: "%.2f ms", v * 1000) }
        print("swissagent bench console: \(pending) pending, \(failed) failed")
        print("  start to first screen with data (tmux)        \(ms(start))")
        print("  refresh, CPU of this process, median          \(ms(Self.median(refreshCPU)))  (wall \(ms(Self.median(refreshWall))))")
        print("  move selection: render 120x40, median         \(ms(Self.median(renders)))")
        print(String(format: "  idle over %.0f s                               %.2f%% of a core, %.1f MB resident", idleSeconds, idle.cpuPercent,
                     idle.rssMB))
        print("  output appended -> in the console's data, p50 \(ms(latency.0))  p99 \(ms(latency.1))")
    }

    /// Time from a worker's append to the line being in the data the screen draws.
    private func outputLatency(_ queue: RedisJobQueue) async throws -> (Double, Double) {
        let id = try await queue.enqueue(JobSpec(queue: "bench-output", steps: [StepSpec(tool: "shell", input: ["command": "true"])]))
        guard let job = try await queue.claim(queues: ["bench-output"], worker: "bench", lease: 120, wait: 1) else {
            throw CLIError("cannot claim the output job")
        }
        let source = DataSource(queue: queue)
        source.want(DataRequest(screen: .output(id: id)))
        let running = Task { await source.run() }
        defer { running.cancel() }
        try await Task.sleep(for: .milliseconds(300))
        var samples: [Double] = []
        for n in 0..<40 {
            let t0 = ContinuousClock.now
            try await queue.appendOutput(job.token, events: [OutputEvent(step: 0, stream: .stdout, text: "line \(n)\n")])
            while !source.snapshot.0.output.contains(where: { $0.text == "line \(n)" }) {
                if ContinuousClock.now - t0 > .seconds(5) { throw CLIError("output did not arrive") }
                try await Task.sleep(for: .microseconds(200))
            }
            samples.append((ContinuousClock.now - t0).seconds)
            try await Task.sleep(for: .milliseconds(Int.random(in: 20...80)))
        }
        let sorted = samples.sorted()
        return (sorted[sorted.count / 2], sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))])
    }

    /// The real console in tmux: time until the queue's depth shows, then its idle CPU and memory.
    private func consoleProcess(prefix: String) async throws -> (Double, BenchIdle.Result) {
        let session = "swissagent-bench-\(JobID.make().suffix(6))"
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let start = ContinuousClock.now
        try Self.tmux(capture: false, ["new-session", "-d", "-s", session, "-x", "120", "-y", "40",
                       "env TERM=xterm-256color '\(exe)' console --redis-url '\(global.redisURL)' --prefix '\(prefix)'"])
        defer { _ = try? Self.tmux(["kill-session", "-t", session]) }
        let shown = Render.countLabel(pending)
        while !(try Self.tmux(["capture-pane", "-p", "-t", session])).contains(shown) {
            if ContinuousClock.now - start > .seconds(30) { throw CLIError("the console did not show the queue within 30 s") }
            try await Task.sleep(for: .milliseconds(5))
        }
        let startup = (ContinuousClock.now - start).seconds
        guard let pid = Int32(try Self.tmux(["display-message", "-p", "-t", session, "#{pane_pid}"])
            .trimmingCharacters(in: .whitespacesAndNewlines)) else { throw CLIError("cannot find the console's pid") }
        try await Task.sleep(for: .seconds(1))
        let before = try BenchIdle.cpuTicks(pid)
        try await Task.sleep(for: .milliseconds(Int(idleSeconds * 1000)))
        let after = try BenchIdle.cpuTicks(pid)
        let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
        return (startup, BenchIdle.Result(cpuPercent: Double(after - before) / hz / idleSeconds * 100,
                                          rssMB: Double(try BenchIdle.rssKB(pid)) / 1024))
    }

    /// Runs tmux; `capture: false` for a command that may start the tmux server, which would hold
    /// a captured pipe open for as long as it runs.
    @discardableResult
    static func tmux(capture: Bool = true, _ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/tmux")
        p.arguments = args
        let out = Pipe()
        p.standardOutput = capture ? out : FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = capture ? out.fileHandleForReading.readDataToEndOfFile() : Data()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    static func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }

    static func cpuSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
