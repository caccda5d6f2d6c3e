import AgentCore
import Foundation
import TestServers

/// "The outside world" for a test: a network namespace of its own joined to this host by a veth
/// pair (198.51.100.0/24 is a documentation range: nothing real is there), serving HTTP on port 8099.
/// Needs root (`ip netns`).
public final class OutsideHost: @unchecked Sendable {
    // `@unchecked Sendable`: set in init, only read afterwards.
    public let name: String
    public let hostSide: String
    public let address: String
    let server: TestProcess
    private let ip: String

    public init() throws {
        guard let ip = TestProcess.which("ip") else { throw TestServerError("ip not found: apt-get install -y iproute2") }
        self.ip = ip
        // A /30 no other test's outside host holds (suites run side by side).
        let taken = (try TestProcess.runBlocking([ip, "-4", "-o", "addr", "show"], timeout: 10)).text
        guard let k = (1...62).shuffled().first(where: { !taken.contains("198.51.100.\(4 * $0 + 1)/") }) else {
            throw TestServerError("no free 198.51.100.0/30 left for an outside host")
        }
        let tag = JobID.make().suffix(6).lowercased()
        name = "sa-out-\(tag)"
        hostSide = "sa\(tag)a"
        address = "198.51.100.\(4 * k + 2)"
        for args in [["netns", "add", name], ["link", "add", hostSide, "type", "veth", "peer", "name", "sa\(tag)b"],
                     ["link", "set", "sa\(tag)b", "netns", name], ["addr", "add", "198.51.100.\(4 * k + 1)/30", "dev", hostSide],
                     ["link", "set", hostSide, "up"], ["-n", name, "addr", "add", address + "/30", "dev", "sa\(tag)b"],
                     ["-n", name, "link", "set", "sa\(tag)b", "up"], ["-n", name, "link", "set", "lo", "up"]] {
            let r = try TestProcess.runBlocking([ip] + args, timeout: 10)
            if r.status != 0 { throw TestServerError("ip \(args.joined(separator: " ")): \(String(decoding: r.stderr, as: UTF8.self))") }
        }
        server = try TestProcess([ip, "netns", "exec", name, "python3", "-m", "http.server", "--bind", address, "8099"],
                                 stdin: TestProcess.devNull, stdout: TestProcess.devNull, stderr: TestProcess.devNull)
    }

    /// Waits until its web server answers from this host.
    public func waitServing(seconds: Double = 10) async throws {
        let check = "import socket; socket.create_connection(('\(address)', 8099), timeout=1)"
        let up = try await waitUntil(seconds: seconds) { (try? TestProcess.runBlocking(["python3", "-c", check], timeout: 5))?.status == 0 }
        guard up else { throw TestServerError("the web server in \(name) did not answer on \(address):8099") }
    }

    /// A process inside the outside world's namespace; it ends with this object.
    public func start(_ argv: [String]) throws -> TestProcess {
        let p = try TestProcess([ip, "netns", "exec", name] + argv, stdin: TestProcess.devNull, stdout: TestProcess.devNull,
                                stderr: TestProcess.devNull)
        lock.withLock { started.append(p) }
        return p
    }

    /// A redis-server out there, on `address:port`, answering once this returns.
    public func startRedis(port: Int = 6379) async throws -> TestProcess {
        let redis = try start(["redis-server", "--bind", address, "--port", String(port), "--save", "", "--appendonly", "no",
                               "--daemonize", "no", "--protected-mode", "no"])
        let up = try await waitUntil(seconds: 10) { redisCLI(port, ["PING"], extra: ["-h", self.address]).contains("PONG") }
        guard up else { throw TestServerError("redis-server in \(name) did not answer on \(address):\(port)") }
        return redis
    }

    private let lock = NSLock()
    private var started: [TestProcess] = []

    deinit {
        for p in lock.withLock({ started }) { p.signal(SIGKILL) }
        server.signal(SIGKILL)
        _ = try? TestProcess.runBlocking([ip, "link", "del", hostSide], timeout: 10)
        _ = try? TestProcess.runBlocking([ip, "netns", "del", name], timeout: 10)
    }
}
