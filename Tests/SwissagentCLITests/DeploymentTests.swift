import Foundation
import Redis
import RedisQueue
import TestServers
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

    /// Each way to reach Redis is the same ConfigMap with a URL swissagent accepts, of the kind it
    /// says, and carries every key the API and the worker read from it.
    @Test func everyRedisConnectionIsAURLTheWorkerAccepts() throws {
        func read(_ name: String) throws -> String {
            try String(contentsOf: TestPaths.repository.appendingPathComponent("k8s/" + name), encoding: .utf8)
        }
        let readers = try read("worker.yaml") + read("api.yaml")
        let keys = readers.components(separatedBy: "name: swissagent-redis\n                  key: ").dropFirst()
            .compactMap { $0.split(separator: "\n").first.map(String.init) }
        #expect(Set(keys) == ["REDIS_URL", "SWISSAGENT_REDIS_REPLICAS"])
        for (file, kind) in [("redis-connection.yaml", "direct"), ("alternatives/redis-sentinel.yaml", "sentinel"),
                             ("alternatives/redis-cluster.yaml", "cluster")] {
            let text = try read(file)
            #expect(text.contains("name: swissagent-redis"), "\(file)")
            for key in keys { #expect(text.contains("  \(key): "), "\(file) has no \(key)") }
            let url = try #require(text.split(separator: "\n").first { $0.hasPrefix("  REDIS_URL: ") }).dropFirst(13)
            let config = try RedisConfig(url: String(url), environment: [:])
            let found = switch config.topology { case .direct: "direct"; case .sentinel: "sentinel"; case .cluster: "cluster" }
            #expect(found == kind, "\(file): \(url)")
        }
    }

    /// The models ConfigMap is a models file the worker accepts, mounted where the worker is told to
    /// read it, its keys are the Secret's files, and the NetworkPolicy lets the worker reach each endpoint.
    @Test func theModelsConfigMapIsAModelsFileTheWorkerCanReach() async throws {
        func read(_ name: String) throws -> String {
            try String(contentsOf: TestPaths.repository.appendingPathComponent("k8s/" + name), encoding: .utf8)
        }
        let models = try read("models.yaml"), worker = try read("worker.yaml"), policy = try read("networkpolicy.yaml")
        let secrets = try read("secrets.example.yaml")
        // The block under `models.json: |`, unindented.
        let lines = models.split(separator: "\n", omittingEmptySubsequences: false)
        let start = try #require(lines.firstIndex { $0.contains("models.json: |") })
        let json = lines[(start + 1)...].prefix { $0.hasPrefix("    ") || $0.isEmpty }.map { $0.dropFirst(min(4, $0.count)) }.joined(separator: "\n")
        var endpoints = try #require((try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [[String: Any]], "\(json)")
        #expect(endpoints.count == 2 && endpoints.first?["residency"] as? String == "in-cluster")
        #expect(worker.contains(#""--models-file", "/etc/swissagent-models/models.json""#) && worker.contains("mountPath: /etc/swissagent-models"))
        #expect(worker.contains("name: swissagent-models"))
        // Every key file is one the Secret's volume writes, from a key the example Secret has.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("models-k8s-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for i in endpoints.indices {
            guard let file = endpoints[i]["api_key_file"] as? String else { continue }
            let name = try #require(file.split(separator: "/").last.map(String.init))
            #expect(file.hasPrefix("/etc/swissagent/") && worker.contains("path: \(name)"), "\(file)")
            let key = try #require(worker.components(separatedBy: "path: \(name)").first?.components(separatedBy: "- key: ").last?
                .trimmingCharacters(in: .whitespacesAndNewlines))
            #expect(secrets.contains("  \(key): "), "\(key) is not in secrets.example.yaml")
            try "sk-test".write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
            endpoints[i]["api_key_file"] = dir.appendingPathComponent(name).path
        }
        let file = dir.appendingPathComponent("models.json")
        try JSONSerialization.data(withJSONObject: endpoints).write(to: file)
        let shown = try await CLI(redisURL: "redis://127.0.0.1:1").run(["models", "--models-file", file.path, "--json"])
        let listed = try #require((try? JSONSerialization.jsonObject(with: Data(shown.stdout.utf8))) as? [[String: Any]], "\(shown.stderr)")
        #expect(listed.map { $0["name"] as? String } == ["in-cluster", "openai"] && listed.last?["key"] as? Bool == true)
        // The worker's egress: the in-cluster endpoint's namespace and port, HTTPS for the external one.
        for e in listed {
            let url = try #require(URL(string: e["base_url"] as? String ?? ""))
            if e["residency"] as? String == "in-cluster" {
                let namespace = try #require(url.host?.split(separator: ".").dropFirst().first.map(String.init))
                #expect(policy.contains("kubernetes.io/metadata.name: \(namespace)") && policy.contains("- port: \(url.port ?? 80)"))
            } else {
                #expect(url.scheme == "https" && policy.contains("- port: 443"))
            }
        }
    }

    static func number(after marker: String, in text: String) -> Int? {
        guard let r = text.range(of: marker) else { return nil }
        return Int(text[r.upperBound...].prefix { $0.isNumber })
    }
}
