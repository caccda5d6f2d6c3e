import Foundation
import RedisQueue
import RedisTestSupport

/// Runs the built `swissagent` binary as a person would, against the test Redis under a prefix of its own.
struct CLI {
    let prefix: String
    let redisURL: String

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    init(redisURL: String? = nil) throws {
        self.redisURL = try redisURL ?? RedisTestServer.sharedURL
        prefix = "swissagent-test:\(UUID().uuidString.prefix(12)):"
    }

    static var binary: URL {
        get throws {
            // The test bundle sits beside the products of the same build.
            let candidates = [Bundle.main.executableURL, URL(fileURLWithPath: CommandLine.arguments[0])]
                .compactMap { $0?.deletingLastPathComponent().appendingPathComponent("swissagent") }
                + [Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("swissagent")]
            guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
                throw TestServerError("swissagent binary not found beside the tests (\(candidates.map(\.path)))")
            }
            return found
        }
    }

    @discardableResult
    func run(_ args: String..., stdin: String? = nil) throws -> Result { try run(args, stdin: stdin) }

    func json(_ args: String...) throws -> Any {
        let r = try run(args)
        guard r.status == 0 else { throw TestServerError("swissagent \(args) failed: \(r.stderr)") }
        return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
    }

    func run(_ args: [String], stdin: String? = nil) throws -> Result {
        let p = Process()
        p.executableURL = try Self.binary
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        env["REDIS_URL"] = redisURL
        env["SWISSAGENT_PREFIX"] = prefix
        p.environment = env
        let out = Pipe(), err = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input
        try p.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    /// Deletes this CLI's keys.
    func cleanup() async throws {
        let client = try RedisClient(url: redisURL)
        var cursor = "0"
        repeat {
            let reply = try await client.call("SCAN", cursor, "MATCH", prefix + "*", "COUNT", 1000)
            guard let parts = reply.array, parts.count == 2 else { return }
            cursor = parts[0].text ?? "0"
            let keys = parts[1].texts
            if !keys.isEmpty { try await client.send(["UNLINK"] + keys).orThrow() }
        } while cursor != "0"
    }
}
