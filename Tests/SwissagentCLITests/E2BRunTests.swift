import Foundation
import HTTPClient
import Testing

/// `swissagent run` through E2B: the URL overrides point at the E2B test server on loopback.
@Suite struct E2BRunTests {
    static let key = "e2b_00ff00ff00ff"

    final class Server: @unchecked Sendable {
        // `@unchecked Sendable`: set in init, only read afterwards.
        let process = Process()
        let port = Int.random(in: 50_001...60_000)
        var base: String { "http://127.0.0.1:\(port)" }

        init() throws {
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("SandboxTests/E2B/e2b_test_server.py").path
            process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            process.arguments = [script, String(port)]
            process.environment = ["E2B_TEST_KEY": E2BRunTests.key, "PATH": "/usr/local/bin:/usr/bin:/bin"]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            _ = out.fileHandleForReading.availableData
        }

        func createCalls() async throws -> Int {
            let body = try await HTTPClient().send(HTTPRequest("GET", base + "/_test/calls")).body
            return ((try JSONSerialization.jsonObject(with: body) as? [String: Int]) ?? [:])["POST /sandboxes"] ?? 0
        }

        deinit { process.terminate() }
    }

    @Test func runGoesThroughE2BAndLocalOnlyNeverDoes() async throws {
        let server = try Server()
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
        #expect(try await server.createCalls() == 1)

        let localOnly = #"{"sandbox":"e2b","residency":"local-only","steps":[{"tool":"shell","input":{"command":"echo here"}}]}"#
        let local = try await run(["run", "-"], stdin: localOnly, env: env)
        #expect(local.status == 0)
        #expect(local.stderr.contains("── sandbox: local"))
        #expect(try await server.createCalls() == 1)

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
