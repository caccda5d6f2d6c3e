import Foundation
import TestServers
import RedisQueue

/// A real redis-server for tests, on a random loopback port (and a unix socket), killed when the
/// test process goes away (a watchdog shell loop watches our pid, so even a crashed run leaves none behind).
public final class RedisTestServer: Sendable {
    public let port: Int
    public let dir: String
    public let extraArgs: [String]
    /// The redis-cli arguments that reach it (besides -p), when not plain TCP (TLS).
    public let cliArgs: [String]
    /// Only TLS, on `port`: no plain TCP port.
    public let tlsOnly: Bool
    /// A sentinel, run from this config file (which it rewrites), instead of a server.
    public let sentinelConfig: String?

    public var url: String { "redis://127.0.0.1:\(port)" }
    public var socketPath: String { dir + "/redis.sock" }
    private var pidFile: String { dir + "/redis.pid" }

    /// One server shared by the whole run; every test keeps to its own key prefix.
    /// `SWISSAGENT_TEST_REDIS_URL` names an already running server instead.
    public static let shared: Result<RedisTestServer, any Error> = Result { try RedisTestServer.start() }

    public static var sharedURL: String {
        get throws {
            if let url = ProcessInfo.processInfo.environment["SWISSAGENT_TEST_REDIS_URL"], !url.isEmpty { return url }
            return try shared.get().url
        }
    }

    private init(port: Int, dir: String, extraArgs: [String], cliArgs: [String], tlsOnly: Bool, sentinelConfig: String? = nil) {
        self.port = port
        self.dir = dir
        self.extraArgs = extraArgs
        self.cliArgs = cliArgs
        self.tlsOnly = tlsOnly
        self.sentinelConfig = sentinelConfig
    }

    /// A sentinel watching `master` (at `masterPort` on loopback, unless `masterHost` says otherwise)
    /// under `name`, with a quorum of 2. Timings are short so that a failover takes a few seconds, not a minute.
    public static func startSentinel(name: String, masterPort: Int, masterHost: String = "127.0.0.1", quorum: Int = 2,
                                     downAfterMs: Int = 1000) throws -> RedisTestServer {
        for _ in 0..<5 {
            let dir = try makeDir()
            let conf = dir + "/sentinel.conf"
            try """
                sentinel monitor \(name) \(masterHost) \(masterPort) \(quorum)
                sentinel down-after-milliseconds \(name) \(downAfterMs)
                sentinel failover-timeout \(name) 4000
                sentinel parallel-syncs \(name) 1

                """.write(toFile: conf, atomically: true, encoding: .utf8)
            let server = RedisTestServer(port: Int.random(in: 20_000...32_000), dir: dir, extraArgs: [], cliArgs: [], tlsOnly: false,
                                         sentinelConfig: conf)
            if try server.launch() { return server }
        }
        throw TestServerError("could not start redis-server --sentinel")
    }

    private static func makeDir() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("swissagent-redis-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// `tls`: serve TLS only, on the port, with these server arguments; `cliArgs` let redis-cli in.
    public static func start(extraArgs: [String] = [], tls: [String]? = nil, cliArgs: [String] = []) throws -> RedisTestServer {
        let dir = try makeDir()
        // Below the kernel's ephemeral range (32768 and up), so no outgoing connection can hold the port.
        for _ in 0..<5 {
            let server = RedisTestServer(port: Int.random(in: 20_000...32_000), dir: dir, extraArgs: extraArgs + (tls ?? []),
                                         cliArgs: cliArgs, tlsOnly: tls != nil)
            if try server.launch() { return server }
        }
        throw TestServerError("could not start redis-server (is it installed? apt-get install -y redis-server)")
    }

    /// Starts (or restarts) the server on its port; false when the port was taken.
    @discardableResult
    public func launch() throws -> Bool {
        guard let bin = TestProcess.which("redis-server") else {
            throw TestServerError("redis-server not found on PATH: apt-get install -y redis-server")
        }
        let ports = tlsOnly ? ["--port", "0", "--tls-port", String(port)] : ["--port", String(port)]
        let common = ["--bind", "127.0.0.1", "--dir", dir, "--pidfile", pidFile, "--daemonize", "no", "--loglevel", "warning"]
        let args = if let sentinelConfig {
            [sentinelConfig, "--sentinel", "--port", String(port)] + common
        } else {
            ports + common + ["--save", "", "--appendonly", "no", "--unixsocket", socketPath, "--unixsocketperm", "700"] + extraArgs
        }
        let quoted = ([bin] + args).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        let watchdog = "\(quoted) >>\(dir)/redis.log 2>&1 & r=$!; while kill -0 \(getpid()) 2>/dev/null && kill -0 $r 2>/dev/null; do sleep 1; done; kill -9 $r 2>/dev/null"
        try? FileManager.default.removeItem(atPath: pidFile)
        let null = TestProcess.devNull
        let p = try TestProcess(["/bin/sh", "-c", watchdog], stdin: null, stdout: null, stderr: null)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if !p.isRunning { return false }
            if FileManager.default.fileExists(atPath: pidFile), canConnect() { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return false
    }

    /// Started and not killed since.
    public var isUp: Bool { FileManager.default.fileExists(atPath: pidFile) }

    /// SIGKILL, like a crashed or OOM-killed Redis.
    public func kill9() {
        guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
              let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { return }
        kill(pid, SIGKILL)
        while kill(pid, 0) == 0 { Thread.sleep(forTimeInterval: 0.01) }
        try? FileManager.default.removeItem(atPath: pidFile)
    }

    private func canConnect() -> Bool {
        guard let answer = (try? TestProcess.runBlocking(["redis-cli", "-p", String(port)] + cliArgs + ["PING"], timeout: 5))?.text
        else { return false }
        return answer.contains("PONG") || answer.contains("NOAUTH")  // up, and asking for its password
    }
}
