import Foundation
import RedisQueue
import RedisTestSupport

/// Runs the built `swissagent` binary as a person would, against the test Redis under a prefix of its own.
struct CLI {
    let prefix: String
    let redisURL: String
    /// Environment for the process, in place of this one's (REDIS_URL and the prefix are added).
    var extraEnv: [String: String]?

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
    func run(_ args: String..., stdin: String? = nil) async throws -> Result { try await run(args, stdin: stdin) }

    func json(_ args: String...) async throws -> Any {
        let r = try await run(args)
        guard r.status == 0 else { throw TestServerError("swissagent \(args) failed: \(r.stderr)") }
        return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
    }

    /// Runs the binary without holding a Swift thread while it runs: tests run in parallel on few threads.
    func run(_ args: [String], stdin: String? = nil) async throws -> Result {
        let p = Process()
        p.executableURL = try Self.binary
        p.arguments = args
        var env = extraEnv ?? ProcessInfo.processInfo.environment
        env["REDIS_URL"] = redisURL
        env["SWISSAGENT_PREFIX"] = prefix
        p.environment = env
        let out = Spawning.pipe(), err = Spawning.pipe(), input = Spawning.pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input
        let collected = Collected()
        return try await withCheckedThrowingContinuation { cont in
            p.terminationHandler = { proc in
                collected.finish { o, e in
                    cont.resume(returning: Result(status: proc.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                                                  stderr: String(decoding: e, as: UTF8.self)))
                }
            }
            do {
                try Spawning.run(p)
            } catch {
                cont.resume(throwing: error)
                return
            }
            collected.read(out.fileHandleForReading, err.fileHandleForReading)
            Thread.detachNewThread {
                if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
                try? input.fileHandleForWriting.close()
            }
        }
    }

    /// Deletes this CLI's keys.
    func cleanup() async throws {
        try await RedisClient(url: redisURL).deleteKeys(withPrefix: prefix)
    }
}

/// Reads a process's stdout and stderr to their ends on threads of their own.
/// `@unchecked Sendable`: the buffers are written by the reader threads before `group` is left, and read after.
final class Collected: @unchecked Sendable {
    private var out = Data(), err = Data()
    private let group = DispatchGroup()

    func read(_ o: FileHandle, _ e: FileHandle) {
        group.enter()
        group.enter()
        Thread.detachNewThread { self.out = o.readDataToEndOfFile(); self.group.leave() }
        Thread.detachNewThread { self.err = e.readDataToEndOfFile(); self.group.leave() }
    }

    func finish(_ done: @escaping @Sendable (Data, Data) -> Void) {
        group.notify(queue: .global()) { done(self.out, self.err) }
    }
}
