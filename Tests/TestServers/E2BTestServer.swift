import ChildProcess
import Foundation
import HTTPClient

/// The E2B test server (Tests/SandboxTests/E2B/e2b_test_server.py): the protocol as the notes
/// describe it, on loopback, running commands for real in a private directory per sandbox. It exits
/// when the test process does.
public final class E2BTestServer: @unchecked Sendable {
    // `@unchecked Sendable`: set in init, only read afterwards.
    let process: TestProcess
    private let output: FileHandle
    public let port: Int
    public let key: String
    public var base: String { "http://127.0.0.1:\(port)" }

    public static let shared: Result<E2BTestServer, any Error> = Result { try E2BTestServer() }

    public init(key: String = "e2b_0123456789abcdef") throws {
        self.key = key
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("SandboxTests/E2B/e2b_test_server.py").path
        let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let python else { throw TestServerError("python3 is needed for the E2B test server: apt-get install -y python3") }
        let out = try ChildProcess.pipe()
        process = try TestProcess([python, script, "0"], environment: ["E2B_TEST_KEY": key, "PATH": "/usr/local/bin:/usr/bin:/bin"],
                                  stdin: TestProcess.devNull, stdout: out.write.fileDescriptor,
                                  stderr: TestProcess.devNull)
        try? out.write.close()
        output = out.read
        port = try readyPort(from: out.read, server: "E2B test server")
    }

    deinit { process.signal(SIGTERM) }

    /// Calls one of the server's /_test/ endpoints.
    public func control(_ method: String, _ path: String, body: String? = nil) async throws -> Data {
        try await HTTPClient().send(HTTPRequest(method, base + path, body: body.map { Data($0.utf8) })).body
    }

    public func calls(_ kind: String) async throws -> Int {
        ((try JSONSerialization.jsonObject(with: try await control("GET", "/_test/calls")) as? [String: Int]) ?? [:])[kind] ?? 0
    }

    /// Live sandboxes: id -> metadata.
    public func sandboxes() async throws -> [String: [String: String]] {
        (try JSONSerialization.jsonObject(with: try await control("GET", "/_test/sandboxes")) as? [String: [String: String]]) ?? [:]
    }

    /// Live sandboxes: id -> "running" or "paused".
    public func states() async throws -> [String: String] {
        (try JSONSerialization.jsonObject(with: try await control("GET", "/_test/states")) as? [String: String]) ?? [:]
    }
}
