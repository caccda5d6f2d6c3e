import AgentCore
import Foundation
import Redis
import RedisQueue
import TestServers
import Testing

/// A step that floods output: Redis keeps at most the job's cap in bytes, the stream says what was
/// dropped, and the worker's memory stays flat.
@Suite struct OutputFloodTests {
    @Test func aFloodKeepsTheCapInRedisAndTheWorkerFlat() async throws {
        let cli = try CLI()
        let queue = RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix)
        // 200 MB of output, allowed by the step limit, against 1 MB kept per job.
        let step = StepSpec(tool: "shell", input: ["command": "yes 'flooding the output stream' | head -c 200000000; echo end >&2"],
                            limits: StepLimits(outputBytes: 300_000_000))
        let id = try await queue.enqueue(JobSpec(steps: [step], maxAttempts: 1))
        let worker = try WorkerProcess(cli, ["--concurrency", "1", "--stored-output-mb", "1", "--max-output-bytes", "300000000"])
        defer { worker.signal(SIGKILL) }
        var peakKB = 0
        let done = try await waitUntil(seconds: 300) {
            peakKB = max(peakKB, Self.residentKB(worker.process.pid))
            return try await queue.job(id: id)?.state.isTerminal ?? false
        }
        #expect(done)
        let job = try #require(try await queue.job(id: id))
        #expect(job.state == .succeeded, "\(job.lastError ?? "") \(worker.output)")
        let events = try await queue.readOutput(id: id, after: "", limit: 100_000, wait: 0)
        let kept = events.filter { $0.stream != .system }.reduce(0) { $0 + $1.text.utf8.count }
        #expect(kept <= 1 << 20)
        #expect(kept > 900_000)
        let notes = events.filter { $0.stream == .system }.map(\.text)
        #expect(notes.first == "output past 1048576 bytes is not kept", "\(notes)")
        #expect(notes.last?.hasSuffix("bytes of output were not kept") == true, "\(notes)")
        let used = try await queue.client.call("MEMORY", "USAGE", Keys(prefix: cli.prefix).queue("default").output(id)).int ?? 0
        #expect(used < 3 << 20)
        #expect(peakKB < 200_000, "worker peaked at \(peakKB) kB resident")
        try await cli.cleanup()
    }

    static func residentKB(_ pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
}
