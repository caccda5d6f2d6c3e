import Foundation

/// moto's S3 in server mode (from PyPI, installed by scripts/test-tools), checking SigV4 signatures
/// like the real service: a bucket "artifacts" and a user whose key pair is `accessKey`/`secretKey`.
public final class MotoS3Server: @unchecked Sendable {
    // `@unchecked Sendable`: set in init, only read afterwards.
    let server: PythonTestServer
    public let accessKey: String
    public let secretKey: String
    public let bucket = "artifacts"
    public var endpoint: String { server.base }

    public static let python = TestPaths.repository.appendingPathComponent(".build-tools/py/bin/python").path

    public static func start() async throws -> MotoS3Server {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw TestServerError("moto is not installed: run scripts/test-tools")
        }
        let keys = FileManager.default.temporaryDirectory.appendingPathComponent("moto-keys-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: keys) }
        let server = try await PythonTestServer.start(script: TestPaths.repository.appendingPathComponent("Tests/TestServers/moto_server.py").path,
                                                      name: "moto S3 server", python: python, arguments: [keys])
        let lines = (try String(contentsOfFile: keys, encoding: .utf8)).split(separator: "\n").map(String.init)
        guard lines.count == 2 else { throw TestServerError("moto S3 server wrote no key pair") }
        return MotoS3Server(server: server, accessKey: lines[0], secretKey: lines[1])
    }

    private init(server: PythonTestServer, accessKey: String, secretKey: String) {
        self.server = server
        self.accessKey = accessKey
        self.secretKey = secretKey
    }

    /// The environment a worker, the API or the CLI needs to use it.
    public func environment(prefix: String) -> [String: String] {
        ["SWISSAGENT_ARTIFACTS": "s3://\(bucket)/\(prefix)", "AWS_ACCESS_KEY_ID": accessKey, "AWS_SECRET_ACCESS_KEY": secretKey,
         "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL_S3": endpoint]
    }

    public func stop() { server.process.signal(SIGKILL) }
}
