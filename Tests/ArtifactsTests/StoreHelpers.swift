import AgentCore
import Artifacts
import Foundation
import Sandboxes
import TestServers

/// A store of each kind, under a prefix of the test's own: the directory store in a temporary
/// folder, and the S3 store on moto's server (signatures checked).
enum Stores {
    static func directory() throws -> FileArtifactStore {
        try FileArtifactStore(root: NSTemporaryDirectory() + "artifacts-" + UUID().uuidString)
    }

    static func s3(_ moto: MotoS3Server, endpoint: String? = nil, secret: String? = nil) -> S3ArtifactStore {
        S3ArtifactStore(S3ArtifactStore.Config(bucket: moto.bucket, prefix: "test-\(UUID().uuidString.prefix(8))/", region: "us-east-1",
                                               endpoint: endpoint ?? moto.endpoint, pathStyle: true, accessKey: moto.accessKey,
                                               secretKey: secret ?? moto.secretKey))
    }
}

/// A real local sandbox (bubblewrap) whose workspace a test fills with commands.
struct SandboxWorkspace {
    let provider: LocalSandboxProvider
    let session: any WorkspaceSession

    static func open(root: String = NSTemporaryDirectory() + "ws-" + UUID().uuidString) async throws -> SandboxWorkspace {
        let provider = try LocalSandboxProvider(config: LocalSandboxConfig(workspaceRoot: root))
        guard let session = try await provider.open(jobID: "artifacts-test", env: [:]) as? any WorkspaceSession else {
            throw TestServerError("the local sandbox has no reachable workspace")
        }
        return SandboxWorkspace(provider: provider, session: session)
    }

    /// Runs a shell command in the sandbox; its output, or a thrown error when it fails.
    @discardableResult
    func sh(_ script: String) async throws -> String {
        let out = Output()
        let r = try await session.exec(ExecRequest(argv: ["/bin/sh", "-c", script], limits: ResourceLimits(wallSeconds: 120))) { _, t in out.add(t) }
        guard r.exitCode == 0 else { throw TestServerError("sandbox command failed (\(r.exitCode)): \(out.text)") }
        return out.text
    }
}

final class Output: @unchecked Sendable {
    private let lock = NSLock()
    private var parts = ""
    func add(_ s: String) { lock.withLock { parts += s } }
    var text: String { lock.withLock { parts } }
}
