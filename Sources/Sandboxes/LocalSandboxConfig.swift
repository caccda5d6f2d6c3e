import AgentCore
import Foundation

/// How the local (bubblewrap) sandbox runs commands.
public struct LocalSandboxConfig: Sendable {
    /// Where job workspaces are made; each job gets a private directory under it.
    public var workspaceRoot: String
    /// Whether a step may have network access when it asks (`"network": true`).
    public var allowNetwork: Bool
    /// When the worker runs as root, sandboxed commands run as an unprivileged uid from this base,
    /// one per concurrent job, so process and memory limits bind (they do not bind root).
    public var uidBase: Int
    /// Where to look for each `code` language's interpreter (paths inside the sandbox, which sees /usr).
    public var interpreters: [String: [String]]
    /// Hosts a networked step may not reach besides this host itself (the worker's Redis), asked
    /// again before each networked step: the Redis servers a worker knows of change (a failover, a
    /// cluster's nodes).
    public var blockedHosts: @Sendable () -> [String]

    public static let defaultInterpreters = [
        "python": ["/usr/bin/python3", "/usr/local/bin/python3"],
        "node": ["/usr/bin/node", "/usr/local/bin/node", "/usr/bin/nodejs"],
        "bash": ["/usr/bin/bash", "/bin/bash"],
    ]

    public static var defaultWorkspaceRoot: String {
        ProcessInfo.processInfo.environment["SWISSAGENT_WORKSPACES"] ?? (NSTemporaryDirectory() + "swissagent-workspaces")
    }

    public init(workspaceRoot: String = LocalSandboxConfig.defaultWorkspaceRoot, allowNetwork: Bool = false,
                uidBase: Int = 200_000 + Int(getpid() % 2000) * 256,
                interpreters: [String: [String]] = LocalSandboxConfig.defaultInterpreters, blockedHosts: @escaping @Sendable () -> [String] = { [] }) {
        self.blockedHosts = blockedHosts
        self.workspaceRoot = workspaceRoot
        self.allowNetwork = allowNetwork
        self.uidBase = uidBase
        self.interpreters = interpreters
    }
}
