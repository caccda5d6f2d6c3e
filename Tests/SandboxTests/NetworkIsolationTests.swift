import AgentCore
import Foundation
import RedisTestSupport
import Sandboxes
import TestServers
import Testing

/// A networked step reaches the outside world, never this host: its loopback (the worker's
/// Redis), its own addresses, or slirp4netns' alias for it.
@Suite(.serialized) struct NetworkIsolationTests {
    /// A probe that waits long for an answer: a refusal is quick, and a connection that should work
    /// must not be counted refused because a loaded machine was slow to answer.
    static func connect(_ host: String, _ port: Int) -> String {
        "python3 -c \"import socket\ntry:\n socket.create_connection(('\(host)', \(port)), timeout=30); print('\(host) CONNECTED')\n"
            + "except OSError as e: print('\(host) refused', e)\""
    }

    /// slirp4netns processes started by this test process (only this serialized suite runs networked steps).
    static func slirps() -> Int {
        let text = (try? TestProcess.runBlocking(["/bin/ps", "-eo", "ppid=,comm="], timeout: 10))?.text ?? ""
        return text.split(separator: "\n").filter { line in
            let w = line.split(separator: " ")
            return w.count == 2 && w[0] == "\(getpid())" && w[1] == "slirp4netns"
        }.count
    }

    @Test func aNetworkedStepReachesTheOutsideButNotThisHost() async throws {
        let outside = try OutsideHost()
        try await outside.waitServing(seconds: 60)
        let redis = try RedisTestServer.shared.get().port
        // A server of this host on every address: the step must not reach it on any of them.
        let hostServer = try TestProcess(["python3", "-m", "http.server", "--bind", "0.0.0.0", "18977"], stdin: TestProcess.devNull,
                                         stdout: TestProcess.devNull, stderr: TestProcess.devNull)
        defer { hostServer.signal(SIGKILL) }
        #expect(try await waitUntil(seconds: 60) {
            (try? TestProcess.runBlocking(["python3", "-c", "import socket; socket.create_connection(('127.0.0.1', 18977), timeout=5)"],
                                          timeout: 30))?.status == 0
        })
        let ownAddresses = (try TestProcess.runBlocking(["/usr/sbin/ip", "-4", "-o", "addr", "show"], timeout: 10)).text
            .split(separator: "\n").compactMap { line -> String? in
                let w = line.split(separator: " ")
                return w.firstIndex(of: "inet").flatMap { i in w[i + 1].split(separator: "/").first.map(String.init) }
            }.filter { $0 != "127.0.0.1" }
        try #require(ownAddresses.count >= 2, "\(ownAddresses)")
        let before = Self.slirps()
        let probes = [Self.connect(outside.address, 8099), Self.connect("127.0.0.1", redis), Self.connect("10.0.2.2", redis)]
            + ownAddresses.map { Self.connect($0, 18977) }
            + ["ip route del prohibit \(ownAddresses[0]) 2>/dev/null && echo removed-a-route || echo cannot-remove-routes"]
        let run = try await runSteps([shell(probes.joined(separator: "; "), network: true)], allowNetwork: true)
        #expect(run.error == nil, "\(run.stderr)")
        #expect(run.stdout.contains("\(outside.address) CONNECTED"), "\(run.stdout) \(run.stderr)")
        for blocked in ["127.0.0.1", "10.0.2.2"] + ownAddresses {
            #expect(run.stdout.contains("\(blocked) refused"), "\(blocked): \(run.stdout)")
        }
        #expect(run.stdout.contains("cannot-remove-routes"), "\(run.stdout)")
        // The user-mode stack ends with the step.
        #expect(try await waitUntil(seconds: 60) { Self.slirps() == before })
    }

    @Test func noNetworkUnlessAskedAndAllowed() async throws {
        let port = try RedisTestServer.shared.get().port
        let probe = "python3 -c \"import socket; socket.create_connection(('127.0.0.1', \(port)), timeout=2); print('CONNECTED')\""
        let closed = try await runSteps([shell(probe)])
        #expect(!closed.stdout.contains("CONNECTED"))
        #expect(closed.error != nil)
        // The step asks, but the worker does not allow it: refused with the reason.
        let refused = try await runSteps([shell(probe, network: true)])
        #expect(refused.error?.description == "step 1 asks for network access, which this worker does not allow")
        #expect(refused.error?.kind == .permanent)
        // Asked and allowed: a network of its own, which still cannot reach this host's loopback
        // (NetworkIsolationTests shows it reaching the outside).
        let open = try await runSteps([shell(probe, network: true)], allowNetwork: true)
        #expect(!open.stdout.contains("CONNECTED"), "\(open.stdout)")
        #expect(open.stderr.contains("Connection refused") || open.stderr.contains("timed out"),
                "\(open.stderr) \(open.stdout) \(open.error?.description ?? "no error")")
    }

    @Test func aStepWithoutNetworkHasNone() async throws {
        let outside = try OutsideHost()
        try await outside.waitServing(seconds: 60)
        let run = try await runSteps([shell(Self.connect(outside.address, 8099))], allowNetwork: true)
        #expect(run.stdout.contains("\(outside.address) refused"), "\(run.stdout)")
    }
}
