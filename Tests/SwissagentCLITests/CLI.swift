import Foundation
import Redis
import RedisQueue
import RedisTestSupport
import TestServers

/// Runs the built `swissagent` binary as a person would, against the test Redis under a prefix of its own.
struct CLI {
    let prefix: String
    let redisURL: String
    /// Environment for the process, in place of this one's (REDIS_URL and the prefix are added).
    var extraEnv: [String: String]?
    /// This test's own artifact store (a folder), unless its environment names another.
    let artifactsFolder: String
    var artifacts: String { "file://" + artifactsFolder }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    init(redisURL: String? = nil) throws {
        self.redisURL = try redisURL ?? RedisTestServer.sharedURL
        prefix = "swissagent-test:\(UUID().uuidString.prefix(12)):"
        artifactsFolder = NSTemporaryDirectory() + "swissagent-artifacts-" + prefix.split(separator: ":")[1]
    }

    static var binary: URL { get throws { try product("swissagent") } }

    /// A built executable of this package: the test bundle sits beside the products of the same build.
    static func product(_ name: String) throws -> URL {
        let candidates = [Bundle.main.executableURL, URL(fileURLWithPath: CommandLine.arguments[0])]
            .compactMap { $0?.deletingLastPathComponent().appendingPathComponent(name) }
            + [Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent(name)]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw TestServerError("\(name) binary not found beside the tests (\(candidates.map(\.path)))")
        }
        return found
    }

    @discardableResult
    func run(_ args: String..., stdin: String? = nil) async throws -> Result { try await run(args, stdin: stdin) }

    func json(_ args: String...) async throws -> Any {
        let r = try await run(args)
        guard r.status == 0 else { throw TestServerError("swissagent \(args) failed: \(r.stderr)") }
        return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
    }

    /// Runs the binary without holding a Swift thread while it runs: tests run in parallel on few threads.
    func run(_ args: [String], stdin: String? = nil, binary: URL? = nil) async throws -> Result {
        var env = extraEnv ?? ProcessInfo.processInfo.environment
        env["REDIS_URL"] = redisURL
        env["SWISSAGENT_PREFIX"] = prefix
        if env["SWISSAGENT_ARTIFACTS"] == nil { env["SWISSAGENT_ARTIFACTS"] = artifacts }
        let r = try await TestProcess.run([try (binary ?? Self.binary).path] + args, environment: env, stdin: Data((stdin ?? "").utf8))
        return Result(status: r.status, stdout: r.text, stderr: String(decoding: r.stderr, as: UTF8.self))
    }

    /// Runs `swissagent-bench`, the benchmarks' own executable, as `run` runs `swissagent`.
    func bench(_ args: String...) async throws -> Result { try await run(args, binary: try Self.product("swissagent-bench")) }

    /// Deletes this CLI's keys.
    func cleanup() async throws {
        try await RedisClient(url: redisURL).deleteKeys(withPrefix: prefix)
        try? FileManager.default.removeItem(atPath: artifactsFolder)
    }
}
