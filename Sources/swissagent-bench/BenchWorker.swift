import AgentCore
import ArgumentParser
import CommandOptions
import Foundation
import Logging
import Redis
import RedisQueue
import Sandboxes

struct BenchWorker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "No-op jobs through enqueue -> worker -> succeeded; sandbox start cost; an idle worker's CPU and memory.",
        discussion: "Runs under its own key prefix on the given Redis and removes its keys afterwards.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var sandbox: SandboxOptions

    @Option(help: "No-op jobs per concurrency level.")
    var jobs = 300

    @Option(help: "Worker concurrency; repeat to measure several.")
    var concurrency: [Int] = [1, 4]

    @Option(help: "Sandbox starts to time against bare fork/exec.")
    var starts = 100

    @Option(help: "Seconds to watch an idle worker process.")
    var idleSeconds: Double = 10

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        let provider = try await sandbox.makeProvider()
        let prefix = "\(global.prefix)bench-\(JobID.make()):"
        let config = try global.redisConfig()
        let queue = RedisJobQueue(client: RedisClient(config, label: "bench"), prefix: prefix)
        var rates: [(Int, Double)] = []
        do {
            for c in concurrency { rates.append((c, try await throughput(queue: queue, provider: provider, concurrency: c))) }
        } catch {
            try? await BenchCleanup.remove(prefix: prefix, client: queue.client)
            throw error
        }
        try await BenchCleanup.remove(prefix: prefix, client: queue.client)
        let sandboxStart = try await BenchSandbox.medianExec(provider: provider, count: starts)
        let bare = try BenchSandbox.medianBareExec(count: starts)
        let idle = try await BenchIdle.measure(redisURL: global.redisURL, prefix: prefix, seconds: idleSeconds)
        try await BenchCleanup.remove(prefix: prefix, client: queue.client)

        if json {
            print(JSONValue.object([
                "jobs_per_s": .object(Dictionary(uniqueKeysWithValues: rates.map { ("\($0.0)", .number($0.1.rounded())) })),
                "sandbox_exec_median_ms": .number(sandboxStart * 1000), "bare_exec_median_ms": .number(bare * 1000),
                "sandbox_added_ms": .number((sandboxStart - bare) * 1000),
                "idle_cpu_percent": .number(idle.cpuPercent), "idle_rss_mb": .number(idle.rssMB),
            ]).prettyJSON())
            return
        }
        print("swissagent bench worker: no-op jobs on \(config.redactedURL), local sandbox")
        for (c, r) in rates {
            print("  no-op job, enqueue -> succeeded, concurrency \(c)".padding(toLength: 52, withPad: " ", startingAt: 0)
                  + String(format: "%.0f jobs/s", r))
        }
        print(String(format: "  /bin/true in the sandbox, median                   %.2f ms", sandboxStart * 1000))
        print(String(format: "  /bin/true by bare fork/exec, median                %.2f ms", bare * 1000))
        print(String(format: "  the sandbox adds                                   %.2f ms", (sandboxStart - bare) * 1000))
        print(String(format: "  idle worker over %.0f s                              %.2f%% of a core, %.1f MB resident",
                     idleSeconds, idle.cpuPercent, idle.rssMB))
    }

    private func throughput(queue: RedisJobQueue, provider: LocalSandboxProvider, concurrency: Int) async throws -> Double {
        let name = "bench-\(concurrency)"
        let spec = JobSpec(queue: name, steps: [StepSpec(tool: "shell", input: ["command": "true"])])
        var logger = Logger(label: "bench.worker")
        logger.logLevel = .critical
        let worker = Worker(
            config: WorkerConfig(queues: [name], concurrency: concurrency, lease: 30, grace: 5, claimWait: 0.2),
            processor: JobProcessor(supervisor: Supervisor(), sandboxes: SingleSandbox(provider), logger: logger),
            queue: queue, slotQueue: { queue.withNewConnection(label: "bench-slot-\($0)") }, logger: logger)
        let start = ContinuousClock.now
        _ = try await queue.enqueue(batch: Array(repeating: spec, count: jobs))
        let running = Task { await worker.run() }
        while try await queue.stats(queue: name).succeeded < jobs {
            if try await queue.stats(queue: name).failed > 0 {
                worker.shutdown()
                await running.value
                let why = try await queue.list(queue: name, state: .failed, offset: 0, limit: 1).first?.lastError ?? "?"
                throw CLIError("a no-op job failed: \(why)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        let rate = Double(jobs) / (ContinuousClock.now - start).seconds
        worker.shutdown()
        await running.value
        return rate
    }
}

enum BenchSandbox {
    static func medianExec(provider: LocalSandboxProvider, count: Int) async throws -> Double {
        let session = try await provider.open(jobID: "bench-exec", env: [:])
        var times: [Double] = []
        for _ in 0..<max(1, count) {
            let start = ContinuousClock.now
            _ = try await session.exec(ExecRequest(argv: ["/bin/true"], limits: ResourceLimits(wallSeconds: 10))) { _, _ in }
            times.append((ContinuousClock.now - start).seconds)
        }
        await session.close()
        return times.sorted()[times.count / 2]
    }

    static func medianBareExec(count: Int) throws -> Double {
        var times: [Double] = []
        for _ in 0..<max(1, count) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/true")
            let start = ContinuousClock.now
            try p.run()
            p.waitUntilExit()
            times.append((ContinuousClock.now - start).seconds)
        }
        return times.sorted()[times.count / 2]
    }
}

enum BenchIdle {
    struct Result { var cpuPercent: Double; var rssMB: Double }

    /// Starts `swissagent worker` on an empty queue and reads its CPU time and memory from /proc.
    static func measure(redisURL: String, prefix: String, seconds: Double) async throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        if !FileManager.default.isExecutableFile(atPath: p.executableURL?.path ?? "") {
            p.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        }
        p.arguments = ["worker", "--redis-url", redisURL, "--prefix", prefix, "--queue", "bench-idle", "--concurrency", "4"]
        p.standardError = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        defer { p.terminate(); p.waitUntilExit() }
        try await Task.sleep(for: .seconds(2))  // let it settle: connect, self-test, first heartbeats
        let pid = p.processIdentifier
        let before = try cpuTicks(pid)
        try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
        let after = try cpuTicks(pid)
        let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        let rss = try rssKB(pid)
        return Result(cpuPercent: Double(after - before) / ticksPerSecond / seconds * 100, rssMB: Double(rss) / 1024)
    }

    static func cpuTicks(_ pid: Int32) throws -> Int {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        // Fields after the ")" that closes the command name: utime is the 12th, stime the 13th.
        guard let close = stat.lastIndex(of: ")") else { throw CLIError("cannot read /proc/\(pid)/stat") }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let u = Int(fields[11]), let s = Int(fields[12]) else { throw CLIError("cannot read /proc/\(pid)/stat") }
        return u + s
    }

    static func rssKB(_ pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kb = Int(line.split(separator: " ").dropFirst().first ?? "") else { throw CLIError("cannot read VmRSS of \(pid)") }
        return kb
    }
}
