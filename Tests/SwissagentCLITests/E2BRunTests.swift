import Foundation
import HTTPClient
import TestServers
import Testing

/// `swissagent run` through E2B: the URL overrides point at the E2B test server on loopback.
@Suite struct E2BRunTests {
    static let key = "e2b_00ff00ff00ff"

    @Test func runGoesThroughE2BAndLocalOnlyNeverDoes() async throws {
        let server = try E2BTestServer(key: Self.key)
        var env = ProcessInfo.processInfo.environment
        env["E2B_API_KEY"] = Self.key
        env["E2B_API_URL"] = server.base
        env["E2B_SANDBOX_URL"] = server.base
        let job = #"{"sandbox":"e2b","steps":[{"tool":"write_file","input":{"path":"x.txt","content":"in the cloud\n"}},{"tool":"shell","input":{"command":"cat x.txt"}}]}"#
        let ran = try await run(["run", "-"], stdin: job, env: env)
        #expect(ran.status == 0, "\(ran.stderr)")
        #expect(ran.stdout == "in the cloud\n")
        #expect(ran.stderr.contains("── sandbox: e2b:"))
        #expect(!ran.stderr.contains(Self.key))
        #expect(try await server.calls("POST /sandboxes") == 1)

        let localOnly = #"{"sandbox":"e2b","residency":"local-only","steps":[{"tool":"shell","input":{"command":"echo here"}}]}"#
        let local = try await run(["run", "-"], stdin: localOnly, env: env)
        #expect(local.status == 0)
        #expect(local.stderr.contains("── sandbox: local"))
        #expect(try await server.calls("POST /sandboxes") == 1)

        env["E2B_API_KEY"] = "e2b_bad"
        let refused = try await run(["run", "-"], stdin: job, env: env)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("E2B rejected the API key"))
    }

    func run(_ args: [String], stdin: String, env: [String: String]) async throws -> CLI.Result {
        var cli = try CLI(redisURL: "redis://127.0.0.1:1")
        cli.extraEnv = env
        return try await cli.run(args, stdin: stdin)
    }
}
