import AgentCore
import Foundation
import Redis
import RedisQueue
import RedisTestSupport
import TestServers
import Testing

/// A worker that allows networked steps: the step cannot reach the worker's Redis (not even one the
/// URL does not name), and a worker killed with -9 leaves no user-mode network stack behind.
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
            + "except OSError as e: print('no redis:', e)\"; sleep 600"
        let id = try await queue.enqueue(JobSpec(steps: [StepSpec(tool: "shell", input: ["command": .string(probe)], network: true)],
                                                 maxAttempts: 1))
        let worker = try WorkerProcess(cli, ["--concurrency", "1", "--allow-network"])
        defer { worker.signal(SIGKILL) }
        var seen = ""
        #expect(try await waitUntil(seconds: 60) {
            seen = try await queue.readOutput(id: id, after: "", limit: 100, wait: 0).map(\.text).joined()
            return !seen.isEmpty
        })
        #expect(seen.hasPrefix("no redis:"), "\(seen) \(worker.output)")
        let stacks = Self.slirps(of: worker.process.pid)
        #expect(stacks.count == 1)
        worker.signal(SIGKILL)
        _ = await worker.exitStatus(within: 60)
        #expect(try await waitUntil(seconds: 60) { stacks.allSatisfy { !FileManager.default.fileExists(atPath: "/proc/\($0)") } },
                "slirp4netns outlived its worker")
        try await cli.cleanup()
    }

    /// The URL names only a sentinel on loopback; the master it names lives on another machine (the
    /// outside host). A step that may reach that machine still cannot reach the worker's Redis on it.
    @Test func aStepCannotReachTheMasterASentinelNamed() async throws {
        let outside = try OutsideHost()
        _ = try await outside.startRedis()
        let sentinel = try RedisTestServer.startSentinel(name: "outer", masterPort: 6379, masterHost: outside.address, quorum: 1)
        defer { sentinel.kill9() }
        let url = "redis-sentinel://127.0.0.1:\(sentinel.port)/outer"
        let cli = try CLI(redisURL: url)
        let queue = RedisJobQueue(client: try RedisClient(url: url), prefix: cli.prefix)
        // A probe that should get through waits long for its answer (a loaded machine is slow); one that
        // should not is refused either way, so it need not wait.
        func probe(_ host: String, _ port: Int, _ reached: String, timeout: Int = 3) -> String {
            "python3 -c \"import socket\ntry:\n socket.create_connection(('\(host)', \(port)), timeout=\(timeout)); print('\(reached)')\n"
                + "except OSError as e: print('refused:', e)\""
        }
        // Another machine out there is reached: the refusal is the fence, not a step without a network.
        let other = try OutsideHost()
        try await other.waitServing()
        try await outside.waitServing()
        let command = probe(outside.address, 6379, "REACHED REDIS") + "; " + probe(outside.address, 8099, "REACHED ITS HOST") + "; "
            + probe(other.address, 8099, "reached another machine", timeout: 30)
        let id = try await queue.enqueue(JobSpec(steps: [StepSpec(tool: "shell", input: ["command": .string(command)], network: true)],
                                                 maxAttempts: 1))
        let worker = try WorkerProcess(cli, ["--concurrency", "1", "--allow-network"])
        defer { worker.signal(SIGKILL) }
        #expect(try await waitUntil(seconds: 120) { try await queue.job(id: id)?.state.isTerminal == true }, "\(worker.output)")
        let seen = try await queue.readOutput(id: id, after: "", limit: 100, wait: 0).map(\.text).joined()
        #expect(seen.components(separatedBy: "refused:").count == 3 && !seen.contains("REACHED"), "\(seen) \(worker.output)")
        #expect(seen.contains("reached another machine"), "\(seen)")
    }
}
