import AgentCore
import ChildProcess
import Foundation

/// The network of a step that asks for one (`"network": true`): a namespace of its own with a
/// user-mode stack (slirp4netns) in front, so the step reaches the outside world as the host would,
/// but never the host itself. Sharing the host's network let a step reach the worker's Redis on
/// loopback. Here the host's loopback is refused by slirp4netns, and every address of the host (and
/// of the worker's Redis, and link-local) is a prohibit route in the step's namespace, which the step, holding no
/// capability, cannot remove. The step's command waits until the last route is in place.
struct NetworkTools: Sendable {
    var slirp4netns: String
    var nsenter: String
    var ip: String
    var getent: String

    /// Fails with what to install when a tool is missing. Networked steps need a root worker: it adds
    /// the routes in the step's namespace from outside, and opens /dev/net/tun for slirp4netns.
    static func find() -> Result<NetworkTools, SandboxError> {
        guard getuid() == 0 else {
            return .failure(SandboxError("--allow-network needs a worker running as root (it builds each networked step's own network "
                                         + "from outside; the step itself runs as an unprivileged uid)", retryable: false))
        }
        guard let slirp = HostTools.which("slirp4netns") else {
            return .failure(SandboxError("network steps need slirp4netns: apt-get install -y slirp4netns", retryable: false))
        }
        guard let nsenter = HostTools.which("nsenter") else {
            return .failure(SandboxError("network steps need nsenter: apt-get install -y util-linux", retryable: false))
        }
        guard let ip = HostTools.which("ip") else {
            return .failure(SandboxError("network steps need ip: apt-get install -y iproute2", retryable: false))
        }
        // Redis host names are resolved before each networked step, to fence off their addresses.
        guard let getent = HostTools.which("getent") else {
            return .failure(SandboxError("network steps need getent: apt-get install -y libc-bin", retryable: false))
        }
        return .success(NetworkTools(slirp4netns: slirp, nsenter: nsenter, ip: ip, getent: getent))
    }
}

/// One networked command's user-mode network, from attach to detach.
/// `@unchecked Sendable`: `slirp` and `exitWrite` are only touched while holding `lock`.
final class UserModeNetwork: @unchecked Sendable {
    /// The last route added: the sandbox's command starts once it sees it (in /proc/net/route, as
    /// little-endian hex). 192.0.0.171 is an IETF protocol address no service uses.
    static let sentinel = "192.0.0.171"
    /// slirp4netns' own alias for the host's loopback.
    static let slirpHost = "10.0.2.2"
    static let resolver = "nameserver 10.0.2.3\n"

    /// Wraps the command: wait (up to 10 s) for the network to be ready, then run it.
    static func waiting(_ command: [String]) -> [String] {
        let script = "i=0; while ! grep -q AB0000C0 /proc/net/route 2>/dev/null; do i=$((i+1)); "
            + "if [ $i -gt 1000 ]; then echo 'the sandbox network did not come up' >&2; exit 125; fi; sleep 0.01; done; exec \"$@\""
        return ["/bin/sh", "-c", script, "sh"] + command
    }

    private let tools: NetworkTools
    private let blockedHosts: [String]
    private let lock = NSLock()
    private var slirp: ChildProcess.Child?
    private var exitWrite: FileHandle?

    init(tools: NetworkTools, blockedHosts: [String]) {
        self.tools = tools
        self.blockedHosts = blockedHosts
    }

    /// Gives the sandbox started as `sandboxPID` (bubblewrap) its network. Throws when it cannot.
    func attach(sandboxPID: pid_t) throws {
        let inner = try Self.namespacePID(of: sandboxPID)
        // slirp4netns ends when the exit pipe closes: with the step, or with the worker (even kill -9).
        let exitPipe = try ChildProcess.pipe(), ready = try ChildProcess.pipe()
        let argv = [tools.slirp4netns, "--configure", "--mtu", "65520", "--disable-host-loopback", "--exit-fd", "3", "--ready-fd", "4"]
            + ["--netns-type", "path", "/proc/\(inner)/ns/net", "tap0"]
        guard let devNull = FileHandle(forUpdatingAtPath: "/dev/null") else { throw SandboxError("cannot open /dev/null", retryable: true) }
        let child = try ChildProcess.Child(argv, environment: [:], directory: "/", stdin: devNull.fileDescriptor,
                                           stdout: devNull.fileDescriptor, stderr: devNull.fileDescriptor,
                                           extra: [exitPipe.read.fileDescriptor, ready.write.fileDescriptor])
        try? exitPipe.read.close()
        try? ready.write.close()
        lock.withLock {
            slirp = child
            exitWrite = exitPipe.write
        }
        guard Self.waitReadable(ready.read.fileDescriptor, ms: 5000), ready.read.availableData.first == UInt8(ascii: "1") else {
            throw SandboxError("the step's network did not start (slirp4netns: \(child.termination.map { "\($0)" } ?? "no answer"))",
                               retryable: true)
        }
        let enter = [tools.nsenter, "-t", String(inner), "-n"]
        // prohibit: a connect fails at once (EACCES) rather than hanging. Link-local is fenced off too
        // (cloud metadata services live at 169.254.169.254).
        let routes = (try hostAddresses().map { $0 + "/32" } + ["169.254.0.0/16", Self.sentinel + "/32"])
            .map { "route add prohibit \($0)" }.joined(separator: "\n") + "\n"
        let added = try HelperCommand.run(enter + [tools.ip, "-batch", "-"], input: routes)
        guard added.ok else {
            throw SandboxError("cannot fence the step's network off the host: \(added.output.prefix(300))", retryable: true)
        }
    }

    /// Ends the user-mode stack.
    func detach() {
        let (child, pipe) = lock.withLock { () -> (ChildProcess.Child?, FileHandle?) in
            defer { slirp = nil; exitWrite = nil }
            return (slirp, exitWrite)
        }
        try? pipe?.close()
        guard let child else { return }
        Thread.detachNewThread {
            for _ in 0..<100 where child.termination == nil { Thread.sleep(forTimeInterval: 0.01) }
            child.signal(SIGKILL)
            _ = child.wait()
        }
    }

    /// Every IPv4 address of this host, slirp4netns' alias for it, and the worker's Redis.
    func hostAddresses() throws -> [String] {
        var out: Set<String> = [Self.slirpHost]
        let shown = try HelperCommand.run([tools.ip, "-4", "-o", "addr", "show"])
        for line in shown.output.split(separator: "\n") {
            let words = line.split(separator: " ")
            if let i = words.firstIndex(of: "inet"), i + 1 < words.count, let addr = words[i + 1].split(separator: "/").first {
                out.insert(String(addr))
            }
        }
        for host in Set(blockedHosts) {
            if Self.isIPv4(host) { out.insert(host); continue }
            // An IPv6 address: the step has no IPv6 (slirp4netns runs without --enable-ipv6), so
            // nothing to fence. Enabling IPv6 there means fencing IPv6 here first.
            if host.contains(":") { continue }
            out.formUnion(resolve(host))
        }
        return out.filter(Self.isIPv4).sorted()
    }

    /// A name's IPv4 addresses now, or (when it does not resolve at the moment: a DNS hiccup, a pod
    /// being replaced) those it last had, which a step might still know. A name that never
    /// resolved here does not resolve for the step either: it reaches the same resolver.
    private func resolve(_ host: String) -> [String] {
        let found = (try? HelperCommand.run([tools.getent, "ahostsv4", host])).flatMap { r -> [String]? in
            guard r.ok else { return nil }
            let addrs = r.output.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) }.filter(Self.isIPv4)
            return addrs.isEmpty ? nil : addrs
        }
        return Self.lastResolved.update(host, found)
    }

    /// Every Redis name's addresses as last resolved, shared by all steps of this process.
    private static let lastResolved = ResolvedNames()

    static func isIPv4(_ s: String) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { p in p.count <= 3 && !p.isEmpty && p.allSatisfy(\.isNumber) && (Int(p) ?? 256) < 256 }
    }

    /// The first process bubblewrap starts inside the step's namespaces, once bubblewrap has set them
    /// up: its init (pid 1 of the sandbox) forks the command only after the mounts and the loopback
    /// are done, and slirp4netns configuring the namespace while bubblewrap still sets up its loopback
    /// made bubblewrap fail ("loopback: Failed RTM_NEWADDR").
    static func namespacePID(of pid: pid_t) throws -> pid_t {
        func firstChild(_ p: pid_t) -> pid_t? {
            guard let text = try? String(contentsOfFile: "/proc/\(p)/task/\(p)/children", encoding: .utf8) else { return nil }
            return text.split(separator: " ").first.flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        for _ in 0..<5000 {
            if let inner = firstChild(pid), firstChild(inner) != nil { return inner }
            usleep(1000)
        }
        throw SandboxError("the sandbox did not start its namespaces", retryable: true)
    }

    static func waitReadable(_ fd: Int32, ms: Int32) -> Bool {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while true {
            let n = poll(&pfd, 1, ms)
            if n < 0 && errno == EINTR { continue }
            return n > 0
        }
    }
}

/// Names and the addresses they last resolved to. `@unchecked Sendable`: `names` is only touched while holding `lock`.
final class ResolvedNames: @unchecked Sendable {
    private let lock = NSLock()
    private var names: [String: [String]] = [:]

    /// Keeps `found` when there is one and answers it; else answers what was kept before.
    func update(_ name: String, _ found: [String]?) -> [String] {
        lock.withLock {
            if let found { names[name] = found }
            return names[name] ?? []
        }
    }
}
