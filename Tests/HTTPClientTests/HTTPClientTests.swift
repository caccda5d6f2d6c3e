import ChildProcess
import Foundation
import HTTPClient
import TestServers
import Testing

/// A real HTTP server on loopback (Python's, from the standard library), started for these tests.
enum TestHTTPServer {
    static let shared: Result<PythonTestServer, any Error> = Result {
        try PythonTestServer(script: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("http_test_server.py").path,
                             name: "HTTP test server")
    }
}

@Suite struct HTTPClientTests {
    let client = HTTPClient()
    var base: String { get throws { try TestHTTPServer.shared.get().base } }

    @Test func getsAndReadsHeaders() async throws {
        let r = try await client.send(HTTPRequest("GET", try base + "/hello"))
        #expect(r.status == 200)
        #expect(String(decoding: r.body, as: UTF8.self) == "hello")
        #expect(r.headers["x-test"] == "yes")
        #expect(try await client.send(HTTPRequest("GET", try base + "/missing")).status == 404)
    }

    @Test func sendsBodiesAndHeaders() async throws {
        let body = Data((0..<70_000).map { UInt8($0 % 251) })
        let r = try await client.send(HTTPRequest("POST", try base + "/echo", headers: [("X-API-Key", "e2b_abc")], body: body))
        #expect(r.status == 201)
        let echo = try #require(try JSONSerialization.jsonObject(with: r.body) as? [String: Any])
        #expect(echo["length"] as? Int == 70_000)
        #expect(echo["key"] as? String == "e2b_abc")
        #expect(try await client.send(HTTPRequest("DELETE", try base + "/thing")).status == 204)
    }

    /// Transfers block a thread each: ten at once must all be under way together, not two at a
    /// time (as many as this machine has cores), or a worker's concurrent model calls would queue.
    /// The server answers only once all ten are in flight (on the global queue they were not).
    @Test func manyTransfersRunAtOnce() async throws {
        let url = try base + "/barrier/\(UUID().uuidString.prefix(8))/10"
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<10 { group.addTask { try await client.send(HTTPRequest("GET", url, totalTimeout: 30)).status } }
            for try await status in group { #expect(status == 200) }
        }
    }

    /// The server holds the rest of the body until the test has seen the first part: streamed, not buffered.
    @Test func streamsTheBodyAsItArrives() async throws {
        let name = UUID().uuidString.prefix(8)
        let received = ReceivedBytes()
        let url = try base + "/stream/\(name)"
        let transfer = Task { try await client.stream(HTTPRequest("GET", url, totalTimeout: 300)) { received.add($0) } }
        #expect(try await waitUntil(seconds: 60) { received.text == "part 0\n" })
        #expect(try await client.send(HTTPRequest("POST", try base + "/release/\(name)")).status == 204)
        #expect(try await transfer.value.status == 200)
        #expect(received.text == (0..<5).map { "part \($0)\n" }.joined())
    }

    @Test func errorsSayWhatHappened() async throws {
        await #expect(throws: HTTPError.refused("http://127.0.0.1:1/")) { try await client.send(HTTPRequest("GET", "http://127.0.0.1:1/")) }
        await #expect(throws: HTTPError.dns("no-such-host.invalid")) {
            try await client.send(HTTPRequest("GET", "http://no-such-host.invalid/"))
        }
        let slow = try base + "/slow"
        await #expect(throws: HTTPError.timeout(slow, 0.5)) { try await client.send(HTTPRequest("GET", slow, totalTimeout: 0.5)) }
    }

    /// A server that goes quiet is given up after the idle limit, and a receiver may stop a body it
    /// will not take (the rest is never read).
    @Test func anIdleServerAndAnUnwantedBodyEndTheTransfer() async throws {
        let slow = try base + "/slow"
        await #expect(throws: HTTPError.idle(slow, 1)) { try await client.send(HTTPRequest("GET", slow, totalTimeout: 60, idleTimeout: 1)) }
        let name = UUID().uuidString.prefix(8)
        defer { Task { _ = try? await client.send(HTTPRequest("POST", try base + "/release/\(name)")) } }
        await #expect(throws: HTTPError.stopped) {
            try await client.stream(HTTPRequest("GET", try base + "/stream/\(name)", totalTimeout: 60)) { _ in false }
        }
    }

    @Test func cancellingStopsTheTransfer() async throws {
        let slow = try base + "/slow"
        let task = Task { try await client.send(HTTPRequest("GET", slow, totalTimeout: 30)) }
        try await Task.sleep(for: .milliseconds(200))
        let start = ContinuousClock.now
        task.cancel()
        await #expect(throws: HTTPError.cancelled) { try await task.value }
        // Well before the server's answer at 20 s; generous, since a loaded CI machine is slow to schedule.
        #expect(ContinuousClock.now - start < .seconds(10))
    }
}

@Suite struct HTTPClientTLSTests {
    @Test func aTLSFailureIsNamed() async throws {
        // TLS spoken to a plain-HTTP port: the handshake fails, and the error says it was TLS.
        let base = try TestHTTPServer.shared.get().base.replacingOccurrences(of: "http://", with: "https://")
        do {
            _ = try await HTTPClient().send(HTTPRequest("GET", base + "/hello", totalTimeout: 60))
            Issue.record("TLS to a plain port succeeded")
        } catch let e as HTTPError {
            guard case .tls = e else { Issue.record("expected a TLS error, got \(e)"); return }
            #expect(e.description.hasPrefix("TLS with \(base)/hello failed"))
        }
    }
}
