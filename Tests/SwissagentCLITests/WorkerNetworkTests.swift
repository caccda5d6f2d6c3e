import AgentCore
import Foundation
import RedisQueue
import RedisTestSupport
import Testing

/// A worker that allows networked steps: the step cannot reach the worker's Redis, and a worker
/// killed with -9 leaves no user-mode network stack behind.
@Suite(.serialized) struct WorkerNetworkTests {
    /// The pids of slirp4netns processes whose parent is `parent`.
    static func slirps(of parent: Int32) -> [String] {
        let text = (try? TestProcess.runBlocking(["/bin/ps", "-eo", "pid=,ppid=,comm="], timeout: 10))?.text ?? ""
        return text.split(separator: "\n").compactMap { line in
            let w = line.split(separator: " ")
            return w.count == 3 && w[1] == "\(parent)" && w[2] == "slirp4netns" ? String(w[0]) : nil
        }
    }

    @Test func aNetworkedStepCannotReachRedisAndNothingOutlivesAKilledWorker() async throws {
        let cli = try CLI()
        let queue = RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix)
        let port = try #require(URL(string: cli.redisURL)?.port)
        let probe = "python3 -c \"import socket\ntry:\n socket.create_connection(('127.0.0.1', \(port)), timeout=3); print('REACHED REDIS')\n"
            + "except OSError as e: print('no redis:', e)\"; sleep 30"
        let id = try await queue.enqueue(JobSpec(steps: [StepSpec(tool: "shell", input: ["command": .string(probe)], network: true)],
                                                 maxAttempts: 1))
        let worker = try WorkerProcess(cli, ["--concurrency", "1", "--allow-network"])
        defer { worker.signal(SIGKILL) }
        var seen = ""
        _ = try await waitUntil(seconds: 20) {
            seen = try await queue.readOutput(id: id, after: "", limit: 100, wait: 0).map(\.text).joined()
            return !seen.isEmpty
        }
        #expect(seen.hasPrefix("no redis:"), "\(seen) \(worker.output)")
        let stacks = Self.slirps(of: worker.process.pid)
        #expect(stacks.count == 1)
        worker.signal(SIGKILL)
        _ = await worker.exitStatus(within: 5)
        #expect(try await waitUntil(seconds: 5) { stacks.allSatisfy { !FileManager.default.fileExists(atPath: "/proc/\($0)") } },
                "slirp4netns outlived its worker")
        try await cli.cleanup()
    }
}
