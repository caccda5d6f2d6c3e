import ChildProcess
import Foundation

/// A test server written in Python (standard library only), started from its script: it binds a
/// free loopback port, says "ready PORT", and ends with the test process.
public final class PythonTestServer: @unchecked Sendable {
    // `@unchecked Sendable`: set in init, only read afterwards.
    let process: TestProcess
    private let output: FileHandle
    public let port: Int
    public var base: String { "http://127.0.0.1:\(port)" }

    /// `script`: the server's path; `name`: what to call it when it does not start; `python`: the
    /// interpreter (a virtualenv's, for a server that needs packages); `arguments`: the script's.
    public init(script: String, name: String, python: String = "python3", arguments: [String] = ["0"]) throws {
        let out = try ChildProcess.pipe()
        process = try TestProcess([python, script] + arguments, stdin: TestProcess.devNull, stdout: out.write.fileDescriptor,
                                  stderr: TestProcess.devNull)
        try? out.write.close()
        output = out.read
        port = try readyPort(from: out.read, server: name)
    }

    /// The same, waiting for "ready" on a thread of its own: a server that takes seconds to start
    /// (one loading a model) must not hold one of the few threads every other test's tasks run on.
    public static func start(script: String, name: String, python: String = "python3", arguments: [String] = ["0"]) async throws
        -> PythonTestServer {
        try await withCheckedThrowingContinuation { done in
            Thread { done.resume(with: Result { try PythonTestServer(script: script, name: name, python: python, arguments: arguments) }) }.start()
        }
    }

    deinit { process.signal(SIGTERM) }
}
