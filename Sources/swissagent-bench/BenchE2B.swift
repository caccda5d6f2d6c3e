import AgentCore
import ArgumentParser
import CommandOptions
import Foundation
import HTTPClient
import Sandboxes

struct BenchE2B: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "e2b",
        abstract: "What the E2B client adds: a 1-step job against a bare request, and output latency.",
        discussion: "Uses E2B_API_KEY, E2B_API_URL and E2B_SANDBOX_URL; bench/e2b.sh points them at the E2B test server.")

    @Option(help: "Commands to time.")
    var runs = 50

    func run() async throws {
        guard let config = try E2BConfig.fromEnvironment() else { throw CLIError("set E2B_API_KEY (and the URL overrides) first") }
        let provider = E2BSandboxProvider(config: config)
        let session = try await provider.open(jobID: "bench-e2b", env: [:])
        let limits = ResourceLimits(wallSeconds: 30)
        var client: [Double] = [], bare: [Double] = []
        // The same Start request, sent raw and its stream only drained: what the server and transport cost.
        let id = String(session.label.dropFirst(4))
        let body: JSONValue = .object(["process": .object(["cmd": "/bin/true", "args": .array([]), "envs": .object([:])]), "stdin": .bool(false)])
        let headers: [(String, String)] = [("E2b-Sandbox-Id", id), ("E2b-Sandbox-Port", "49983"), ("Content-Type", "application/connect+json"),
                                          ("Connect-Timeout-Ms", "30000")]
        let token = try await Self.token(provider, id)
        for _ in 0..<runs {
            var t0 = ContinuousClock.now
            _ = try await session.exec(ExecRequest(argv: ["/bin/true"], limits: limits)) { _, _ in }
            client.append((ContinuousClock.now - t0).seconds)
            t0 = ContinuousClock.now
            let raw = try await HTTPClient().send(HTTPRequest("POST", config.envdURL(id) + "/process.Process/Start",
                                                              headers: headers + (token.map { [("X-Access-Token", $0)] } ?? []),
                                                              body: Self.envelope(Data(JSONWriter.write(body)))))
            guard raw.status == 200 else { throw CLIError("the bare Start request got \(raw.status)") }
            bare.append((ContinuousClock.now - t0).seconds)
        }
        // Output latency: each line carries the time it was printed; the client notes when it arrives.
        let latencies = Latencies()
        _ = try await session.exec(ExecRequest(argv: ["/bin/sh", "-c", "for i in $(seq 40); do date +%s%N; sleep 0.05; done"], limits: limits)) {
            _, text in
            let now = Date().timeIntervalSince1970
            for line in text.split(separator: "\n") {
                if let ns = Double(line) { latencies.add(now - ns / 1e9) }
            }
        }
        await session.close()
        func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
        let lat = latencies.sorted
        print("swissagent bench e2b: \(runs) one-step commands against \(config.apiURL)")
        print(String(format: "  1-step command through the client, median     %.2f ms", median(client) * 1000))
        print(String(format: "  the same Start request sent bare, median      %.2f ms", median(bare) * 1000))
        print(String(format: "  the client adds                               %.2f ms", (median(client) - median(bare)) * 1000))
        print(String(format: "  output printed -> in the client, p50 %.2f ms  p99 %.2f ms", (lat.isEmpty ? 0 : lat[lat.count / 2]) * 1000,
                     (lat.last ?? 0) * 1000))
    }

    static func envelope(_ json: Data) -> Data {
        var d = Data([0])
        withUnsafeBytes(of: UInt32(json.count).bigEndian) { d.append(contentsOf: $0) }
        d.append(json)
        return d
    }

    /// The sandbox's envd token, from the control plane.
    static func token(_ provider: E2BSandboxProvider, _ id: String) async throws -> String? {
        let r = try await HTTPClient().send(HTTPRequest("GET", provider.config.apiURL + "/sandboxes/\(id)",
                                                        headers: [("X-API-Key", provider.config.apiKey)]))
        return (try? JSONValue.parse(r.body))?["envdAccessToken"]?.stringValue
    }
}

/// `@unchecked Sendable`: all access holds `lock`.
final class Latencies: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Double] = []
    func add(_ v: Double) { lock.withLock { values.append(v) } }
    var sorted: [Double] { lock.withLock { values.sorted() } }
}
