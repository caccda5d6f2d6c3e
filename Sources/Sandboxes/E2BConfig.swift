import AgentCore
import Foundation

/// How to reach E2B, as the original deployment configured it: `E2B_API_KEY`, `E2B_DOMAIN`, and the
/// `E2B_API_URL` / `E2B_SANDBOX_URL` overrides (which also let it talk to a server on loopback).
public struct E2BConfig: Sendable {
    /// Secret: never logged, never stored on a job, never shown.
    public var apiKey: String
    public var domain: String
    public var apiURL: String
    /// When set, every sandbox's envd is reached here (routed by the E2b-Sandbox-Id header).
    public var sandboxURL: String?
    public var template: String
    /// Seconds a sandbox lives without a refresh; extended while its job runs.
    public var sandboxTimeout: Int
    /// Published per-second rates (shared/e2b-protocol.md §7).
    public var vcpuPricePerSecond: Double
    public var gibPricePerSecond: Double
    /// Tags our sandboxes (metadata `swissagent_owner`): the leak reaper only touches its own.
    public var owner: String = "swissagent"

    public init(apiKey: String, domain: String = "e2b.app", apiURL: String? = nil, sandboxURL: String? = nil, template: String = "base",
                sandboxTimeout: Int = 300, vcpuPricePerSecond: Double = 0.000014, gibPricePerSecond: Double = 0.0000045) {
        self.apiKey = apiKey
        Secrets.register(apiKey)
        self.domain = domain
        self.apiURL = apiURL ?? "https://api.\(domain)"
        self.sandboxURL = sandboxURL
        self.template = template
        self.sandboxTimeout = sandboxTimeout
        self.vcpuPricePerSecond = vcpuPricePerSecond
        self.gibPricePerSecond = gibPricePerSecond
    }

    /// From the environment; nil without `E2B_API_KEY` (or `E2B_API_KEY_FILE`, a file holding it: an
    /// absent file, an optional Secret key left out, also means no E2B).
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> E2BConfig? {
        var key = env["E2B_API_KEY"] ?? ""
        if key.isEmpty, let path = env["E2B_API_KEY_FILE"], !path.isEmpty, FileManager.default.fileExists(atPath: path) {
            key = try SecretFile.read(path, what: "E2B_API_KEY_FILE")
        }
        guard !key.isEmpty else { return nil }
        return E2BConfig(apiKey: key, domain: env["E2B_DOMAIN"] ?? "e2b.app", apiURL: env["E2B_API_URL"], sandboxURL: env["E2B_SANDBOX_URL"],
                         template: env["E2B_TEMPLATE"] ?? "base")
    }

    public func envdURL(_ sandboxID: String) -> String { sandboxURL ?? "https://49983-\(sandboxID).\(domain)" }
}
