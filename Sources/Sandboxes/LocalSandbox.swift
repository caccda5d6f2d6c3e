import AgentCore
import Foundation

/// The default sandbox: bubblewrap on this machine, no account needed. Each job gets a private
/// workspace; every command runs with a read-only system, its own pid, network, IPC and UTS
/// namespaces, a scrubbed environment and rlimits, as an unprivileged uid when the worker is root.
public struct LocalSandboxProvider: SandboxProvider {
    public let name = "local"
    public let config: LocalSandboxConfig
    let tools: HostTools
    let uids: UIDPool
    let owner: WorkspaceOwner
    let network: NetworkTools?
    /// How many workspaces of dead workers on this host this provider removed when it started.
    public let sweptWorkspaces: Int

    /// Refuses to build when bubblewrap (or prlimit) is missing or cannot create a sandbox here.
    public init(config: LocalSandboxConfig = LocalSandboxConfig()) throws {
        // SWISSAGENT_BWRAP names a bwrap outside PATH (or, in tests, one that is not there).
        let bwrapPath = ProcessInfo.processInfo.environment["SWISSAGENT_BWRAP"].map { FileManager.default.isExecutableFile(atPath: $0) ? $0 : nil }
            ?? HostTools.which("bwrap")
        guard let bwrap = bwrapPath else {
            throw SandboxError("bubblewrap (bwrap) is not installed, and the local sandbox needs it: apt-get install -y bubblewrap",
                               retryable: false)
        }
        guard let prlimit = HostTools.which("prlimit") else {
            throw SandboxError("prlimit is not installed: apt-get install -y util-linux", retryable: false)
        }
        let root = getuid() == 0
        let setpriv = root ? HostTools.which("setpriv") : nil
        if root && setpriv == nil { throw SandboxError("setpriv is not installed: apt-get install -y util-linux", retryable: false) }
        tools = HostTools(bwrap: bwrap, prlimit: prlimit, setpriv: setpriv)
        if config.allowNetwork {
            switch NetworkTools.find() {
            case .success(let found): network = found
            case .failure(let error): throw error
            }
        } else {
            network = nil
        }
        Self.capOpenFiles()
        self.config = config
        uids = UIDPool(base: config.uidBase, size: 256, enabled: root)
        try FileManager.default.createDirectory(atPath: config.workspaceRoot, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o711])
        owner = try WorkspaceOwner(root: config.workspaceRoot)
        sweptWorkspaces = owner.sweep()
        if network != nil {
            // Networked steps resolve names through slirp4netns (the host's resolver may be on its loopback).
            FileManager.default.createFile(atPath: owner.directory + "/resolv.conf", contents: Data(UserModeNetwork.resolver.utf8),
                                           attributes: [.posixPermissions: 0o644])
        }
    }

    public func open(jobID: String, env: [String: String]) async throws -> any SandboxSession {
        let uid = uids.take()
        let dir = owner.directory + "/" + jobID.filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }.prefix(64) + "-"
            + JobID.make().suffix(8)
        do {
            for path in [dir, dir + "/work", dir + "/tmp"] {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false,
                                                        attributes: [.posixPermissions: 0o700])
                if let uid { try FileManager.default.setAttributes([.ownerAccountID: uid, .groupOwnerAccountID: uid], ofItemAtPath: path) }
            }
        } catch {
            WorkspaceOwner.removeTree(dir)
            if let uid { uids.give(uid) }
            throw SandboxError("cannot make the job's workspace \(dir): \(error)", retryable: true)
        }
        return LocalSandboxSession(tools: tools, uid: uid, uids: uids, owner: owner, directory: dir, env: env,
                                   network: network.map { ($0, config.blockedHosts) }, interpreters: config.interpreters)
    }

    /// Foundation's Process closes every descriptor up to the soft RLIMIT_NOFILE in the child before
    /// exec: at a limit of a million that costs milliseconds per command. A worker needs far fewer, so
    /// the soft limit (which sandboxes inherit too) comes down to 4096; the hard limit is untouched.
    static func capOpenFiles() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur > 4096 else { return }
        limit.rlim_cur = 4096
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }

    /// Runs `true` in a sandbox: proves bubblewrap works on this machine before a worker takes jobs.
    public func selfTest() async throws {
        let session = try await open(jobID: "selftest", env: [:])
        defer { Task { await session.close() } }
        let collected = Collected()
        let result = try await session.exec(ExecRequest(argv: ["/bin/true"], limits: ResourceLimits(wallSeconds: 20))) { _, text in
            collected.append(text)
        }
        guard result.exitCode == 0 else {
            throw SandboxError("bubblewrap cannot create a sandbox on this machine (exit \(result.exitCode)): "
                               + collected.text.trimmingCharacters(in: .whitespacesAndNewlines), retryable: false)
        }
    }
}

final class LocalSandboxSession: BrowserSession, WorkspaceSession {
    let label = "local"
    let tools: HostTools
    let uid: Int?
    let uids: UIDPool
    /// Kept alive while the session is: its lock tells sweepers this workspace is in use.
    let owner: WorkspaceOwner
    /// The job's directory: `work` (the workspace) and `tmp` (its /tmp), counted together against the disk limit.
    let directory: String
    let env: [String: String]
    /// The tools and the hosts to fence off, when networked steps are allowed.
    let network: (tools: NetworkTools, blockedHosts: @Sendable () -> [String])?
    let interpreters: [String: [String]]
    let browserProcess = LocalBrowser()

    init(tools: HostTools, uid: Int?, uids: UIDPool, owner: WorkspaceOwner, directory: String, env: [String: String],
         network: (tools: NetworkTools, blockedHosts: @Sendable () -> [String])?, interpreters: [String: [String]]) {
        self.interpreters = interpreters
        self.tools = tools
        self.uid = uid
        self.uids = uids
        self.owner = owner
        self.directory = directory
        self.env = env
        self.network = network
    }

    var workspacePath: String { directory + "/work" }
    var workspace: any WorkspaceTree { HostWorkspaceTree(root: workspacePath, uid: uid) }

    func exec(_ request: ExecRequest, output: @escaping OutputHandler) async throws -> ExecResult {
        let command = BubblewrapCommand(bwrap: tools.bwrap, prlimit: tools.prlimit, setpriv: tools.setpriv, uid: uid,
                                        workspace: workspacePath, tmp: directory + "/tmp", env: env,
                                        network: request.network && network != nil, resolvConf: owner.directory + "/resolv.conf",
                                        limits: request.limits)
        let disk = request.limits.diskMB.map { SandboxProcess.DiskWatch(path: directory, limitBytes: Int64($0) << 20) }
        let net = command.network ? network.map { UserModeNetwork(tools: $0.tools, blockedHosts: $0.blockedHosts()) } : nil
        return try await SandboxProcess(argv: command.argv(request.argv), limits: request.limits, disk: disk, network: net, output: output)
            .run(stdin: request.stdin)
    }

    func interpreter(_ language: CodeLanguage) -> [String]? {
        (interpreters[language.rawValue] ?? []).first { FileManager.default.isExecutableFile(atPath: $0) }.map { [$0] }
    }

    func browser(limits: ResourceLimits, network asked: Bool) async throws -> any BrowserControl {
        guard let chromium = ChromiumBinary.found else {
            throw BrowserError("no browser is installed for the local sandbox: apt-get install -y chromium-headless-shell")
        }
        // In the job's own sandbox, as its uid, behind the same network fence as a step. Its memory
        // cap is RLIMIT_DATA per process (RLIMIT_AS cannot hold V8), with no CPU limit (the browser
        // lives across the job's calls), and room for the thread pools RLIMIT_NPROC counts.
        let networked = asked && network != nil
        let browserLimits = ResourceLimits(cpuSeconds: nil, memoryMB: limits.memoryMB, processes: max(limits.processes ?? 0, 1024),
                                           fileSizeMB: limits.fileSizeMB)
        var command = BubblewrapCommand(bwrap: tools.bwrap, prlimit: tools.prlimit, setpriv: tools.setpriv, uid: uid,
                                        workspace: workspacePath, tmp: directory + "/tmp", env: env, network: networked,
                                        resolvConf: owner.directory + "/resolv.conf", limits: browserLimits)
        command.memoryAsData = true
        let net = networked ? network.map { UserModeNetwork(tools: $0.tools, blockedHosts: $0.blockedHosts()) } : nil
        return try await browserProcess.page(argv: command.argv([chromium] + ChromiumBinary.flags), networked: networked, network: net)
    }

    func workspaceFileURL(_ path: String) async throws -> String { "file:///workspace/" + path }

    func close() async {
        await browserProcess.close()
        WorkspaceOwner.removeTree(directory)
        if let uid { uids.give(uid) }
    }
}

struct HostTools: Sendable {
    var bwrap: String
    var prlimit: String
    var setpriv: String?

    static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return (path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/sbin", "/bin", "/sbin"])
            .map { $0 + "/" + name }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

/// Unprivileged uids for concurrent jobs, so one job's process limit is not shared with another's.
/// Handed out in rotation: bubblewrap leaves a zombie per command for init to reap, and zombies count
/// against a uid's process limit, so a uid rests while 255 others are used.
/// `@unchecked Sendable`: `free` is only touched while holding `lock`.
final class UIDPool: @unchecked Sendable {
    private let lock = NSLock()
    private var free: [Int]
    private let base: Int
    private let enabled: Bool

    init(base: Int, size: Int, enabled: Bool) {
        self.base = base
        self.enabled = enabled
        free = (0..<size).map { base + $0 }
    }

    func take() -> Int? {
        guard enabled else { return nil }
        return lock.withLock { free.isEmpty ? base : free.removeFirst() }
    }

    func give(_ uid: Int) { lock.withLock { if !free.contains(uid) { free.append(uid) } } }
}

/// Text gathered from output callbacks. `@unchecked Sendable`: `parts` is only touched while holding `lock`.
final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var parts: [String] = []
    func append(_ s: String) { lock.withLock { parts.append(s) } }
    var text: String { lock.withLock { parts.joined() } }
}
