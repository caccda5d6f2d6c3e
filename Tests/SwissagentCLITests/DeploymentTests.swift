import Foundation
import RedisTestSupport
import RedisQueue
import Testing

/// The Kubernetes manifests and the Dockerfile: schema-valid, security-scanned (scripts/validate-k8s),
/// and in step with the code they configure.
@Suite struct DeploymentTests {

    @Test func manifestsPassSchemaValidationAndTheSecurityScan() async throws {
        let r = try await TestProcess.run([TestPaths.repository.appendingPathComponent("scripts/validate-k8s").path], timeout: 180)
        let out = r.text + String(decoding: r.stderr, as: UTF8.self)
        #expect(r.status == 0, "\(out.suffix(4000))")
        #expect(out.contains("Failed checks: 0"))
    }

    @Test func manifestsMatchTheWorkerAndTheAPI() throws {
        let worker = try String(contentsOf: TestPaths.repository.appendingPathComponent("k8s/worker.yaml"), encoding: .utf8)
        // Kubernetes must wait longer than the worker's grace period before it sends SIGKILL.
        let grace = try #require(Self.number(after: "\"--grace\", \"", in: worker))
        let termination = try #require(Self.number(after: "terminationGracePeriodSeconds: ", in: worker))
        #expect(termination > grace)
        // The probe reads the file the worker is told to write.
        #expect(worker.contains("\"--health-file\", \"/tmp/health\"") && worker.contains("\"/tmp/health\"]"))
        let api = try String(contentsOf: TestPaths.repository.appendingPathComponent("k8s/api.yaml"), encoding: .utf8)
        #expect(api.contains("path: /readyz") && api.contains("path: /healthz"))
        // KEDA watches the pending list where the queue keeps it.
        let keda = try String(contentsOf: TestPaths.repository.appendingPathComponent("k8s/keda.yaml"), encoding: .utf8)
        #expect(keda.contains("listName: \"\(Keys().queue("default").pending)\""))
    }

    static func number(after marker: String, in text: String) -> Int? {
        guard let r = text.range(of: marker) else { return nil }
        return Int(text[r.upperBound...].prefix { $0.isNumber })
    }
}
