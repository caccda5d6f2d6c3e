import AgentCore
import Foundation

/// Builds the command line that runs one command in a sandbox:
/// `prlimit <limits> -- [setpriv <drop to uid>] -- bwrap <namespaces, mounts, env> -- <command>`.
/// Pure, so the exact isolation can be read and tested.
struct BubblewrapCommand {
    var bwrap: String
    var prlimit: String
    var setpriv: String?
    var uid: Int?
    var workspace: String
    /// The job's /tmp: a directory on disk beside the workspace, counted against the same disk limit
    /// (a tmpfs would be host memory no limit counts).
    var tmp: String
    var env: [String: String]
    /// The step gets a network namespace of its own behind slirp4netns (`UserModeNetwork`), whose
    /// resolver this file names.
    var network: Bool
    var resolvConf: String?
    var limits: ResourceLimits
    /// The memory limit as RLIMIT_AS (address space, the default) or RLIMIT_DATA (memory a process
    /// has written to): V8 reserves gigabytes of address space it never touches, so a browser's cap
    /// is its data, which binds each of its processes (a page allocating without end crashes).
    var memoryAsData = false

    /// Host paths that exist, read once: merged-/usr systems have /bin etc. as symlinks.
    static let rootLinks: [(path: String, target: String?)] = ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"].compactMap { p in
        let fm = FileManager.default
        if let dest = try? fm.destinationOfSymbolicLink(atPath: p) { return (p, dest) }
        var isDir: ObjCBool = false
        return fm.fileExists(atPath: p, isDirectory: &isDir) && isDir.boolValue ? (p, nil) : nil
    }

    /// The few files of /etc programs need; never the whole of it.
    static let etc = ["/etc/alternatives", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/ssl",
                      "/etc/ca-certificates", "/etc/localtime", "/etc/nsswitch.conf", "/etc/passwd", "/etc/group",
                      "/etc/hosts", "/etc/resolv.conf", "/etc/mime.types"]

    func argv(_ command: [String]) -> [String] {
        var a = [prlimit]
        if let cpu = limits.cpuSeconds { a.append("--cpu=\(cpu):\(cpu + 1)") }  // SIGXCPU at the soft limit
        if let mem = limits.memoryMB { a.append((memoryAsData ? "--data=" : "--as=") + "\(mem << 20)") }
        if let n = limits.processes { a.append("--nproc=\(n)") }
        if let f = limits.fileSizeMB { a.append("--fsize=\(f << 20)") }
        a.append("--core=0")
        a.append("--")
        if let setpriv, let uid {
            a += [setpriv, "--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", "--"]
        }
        a += [bwrap, "--unshare-all"]
        a += ["--die-with-parent", "--new-session", "--hostname", "sandbox", "--clearenv",
              "--ro-bind", "/usr", "/usr"]
        for link in Self.rootLinks {
            if let target = link.target { a += ["--symlink", target, link.path] } else { a += ["--ro-bind", link.path, link.path] }
        }
        for path in Self.etc { a += ["--ro-bind-try", path, path] }
        if network, let resolvConf { a += ["--ro-bind", resolvConf, "/etc/resolv.conf"] }
        // The root bwrap builds is a tmpfs; once everything is mounted, make it read-only too, so the
        // only writable places are the workspace and a private /tmp.
        a += ["--proc", "/proc", "--dev", "/dev", "--bind", tmp, "/tmp", "--bind", workspace, "/workspace", "--remount-ro", "/",
              "--chdir", "/workspace"]
        let base = ["PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/workspace", "LANG": "C.UTF-8", "TMPDIR": "/tmp"]
        for (k, v) in base.merging(env, uniquingKeysWith: { _, job in job }).sorted(by: { $0.key < $1.key }) {
            a += ["--setenv", k, v]
        }
        return a + ["--"] + (network ? UserModeNetwork.waiting(command) : command)
    }
}
