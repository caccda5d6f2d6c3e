import AgentCore
import Foundation
import RedisQueue
import RedisTestSupport
import Testing

/// The CLI and the API describe a job with one document, and a list with the same rows.
@Suite struct WireModelTests {
    @Test func theCLIAndTheAPIPrintTheSameJobAndTheSameRows() async throws {
        let cli = try CLI()
        let api = try await APIProcess(cli, env: ["SWISSAGENT_API_TOKENS": "tok-root=ops:admin"])
        defer { api.worker.signal(SIGTERM) }
        let body = #"{"id":"same-doc","metadata":{"k":"v"},"steps":[{"tool":"shell","input":{"command":"echo hi"},"limits":{"memory_mb":64}}]}"#
        let (status, _, _) = try await api.call("POST", "/v1/jobs", token: "tok-root", body: body)
        #expect(status == 201)
        let worker = try WorkerProcess(cli, ["--concurrency", "1"])
        defer { worker.signal(SIGTERM) }
        let queue = RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix)
        #expect(try await waitUntil(seconds: 20) { try await queue.job(id: "same-doc")?.state == .succeeded })

        let fromCLI = try #require(try await cli.json("jobs", "show", "same-doc", "--json") as? NSDictionary)
        let (_, fromAPI, _) = try await api.call("GET", "/v1/jobs/same-doc", token: "tok-root")
        #expect(fromCLI == fromAPI as NSDictionary)
        for key in ["spec", "steps", "history", "created_at", "finished_at", "sandbox", "attempts"] {
            #expect(fromCLI[key] != nil && !(fromCLI[key] is NSNull), "\(key) missing")
        }
        #expect(((fromCLI["steps"] as? [[String: Any]])?.first?["limits"] as? [String: Any])?["memory_mb"] as? Int == 64)

        let rowsCLI = try #require(try await cli.json("jobs", "list", "--state", "succeeded", "--json") as? NSArray)
        let (_, page, _) = try await api.call("GET", "/v1/jobs?state=succeeded", token: "tok-root")
        #expect(rowsCLI == (page["jobs"] as? NSArray))
        #expect(rowsCLI.count == 1)
        try await cli.cleanup()
    }
}
