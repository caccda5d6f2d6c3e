import Foundation
import HTTPClient
import TestServers
import Testing

/// Clients that trickle headers, and more of them than the API has descriptors for.
@Suite struct APISlowClientTests {
    /// 1,100 connections each sending a header line every 2 s, against an API limited to 1,024
    /// descriptors: their headers time out, /healthz is answered meanwhile, and the API does not spin.
    static let attack = #"""
    import asyncio, sys, time, resource, urllib.request
    resource.setrlimit(resource.RLIMIT_NOFILE, (4096, 4096))
    port, pid = int(sys.argv[1]), int(sys.argv[2])
    closed = 0
    async def trickle(i):
        global closed
        try:
            r, w = await asyncio.open_connection("127.0.0.1", port)
            w.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n"); await w.drain()
            for _ in range(6):
                await asyncio.sleep(2)
                if r.at_eof(): break
                w.write(b"X-Slow: %d\r\n" % i); await w.drain()
            data = await asyncio.wait_for(r.read(), 5)
            if data == b"": closed += 1
            w.close()
        except Exception:
            closed += 1
    def ticks():
        return sum(int(x) for x in open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[11:13])
    async def main():
        tasks = [asyncio.create_task(trickle(i)) for i in range(1100)]
        await asyncio.sleep(1.5)
        before, t0 = ticks(), time.time()
        await asyncio.sleep(4)
        cpu = (ticks() - before) / 100 / (time.time() - t0)
        t = time.time()
        status = await asyncio.to_thread(lambda: urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=15).status)
        healthz = time.time() - t
        await asyncio.gather(*tasks)
        print(f"cpu {cpu:.2f} healthz {status} {healthz:.2f} closed {closed}")
    asyncio.run(main())
    """#

    @Test func tricklingHeadersTimeOutAndDoNotStarveTheAPI() async throws {
        let cli = try CLI()
        let prlimit = try #require(TestProcess.which("prlimit"))
        let api = try await APIProcess(cli, extra: ["--header-timeout", "2", "--no-access-log"],
                                       env: ["SWISSAGENT_API_TOKENS": "tok=acme"], wrapper: [prlimit, "--nofile=1024:1024", "--"])
        defer { api.worker.signal(SIGTERM) }
        let r = try await TestProcess.run(["python3", "-c", Self.attack, String(api.port), String(api.worker.process.pid)], timeout: 60)
        let words = r.text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ")
        #expect(words.count == 7, "\(r.text) \(String(decoding: r.stderr, as: UTF8.self))")
        guard words.count == 7 else { return }
        let cpu = Double(words[1]) ?? 9, status = Int(words[3]) ?? 0, healthz = Double(words[4]) ?? 99, closed = Int(words[6]) ?? 0
        #expect(cpu < 0.5, "the API used \(cpu) of a core under the attack")
        #expect(status == 200 && healthz < 10, "\(r.text)")
        #expect(closed == 1100, "\(r.text)")
        try await cli.cleanup()
    }

    /// A client that pauses between requests on one connection (longer than the header timeout,
    /// shorter than the idle timeout) is served both times: the clock runs only while a header arrives.
    @Test func keepAliveClientsMayPauseBetweenRequests() async throws {
        let cli = try CLI()
        let api = try await APIProcess(cli, extra: ["--header-timeout", "1"], env: ["SWISSAGENT_API_TOKENS": "tok=acme"])
        defer { api.worker.signal(SIGTERM) }
        let probe = """
            import socket, time
            s = socket.create_connection(("127.0.0.1", \(api.port))); s.settimeout(10)
            for _ in range(2):
                s.sendall(b"GET /healthz HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
                print(s.recv(4096).split(b"\\r\\n")[0].decode())
                time.sleep(2)
            s.sendall(b"GET /healthz HTTP/1.1\\r\\nHost: x\\r\\n")
            t = time.time(); data = s.recv(4096)
            print("closed" if data == b"" else "answered", round(time.time() - t, 1))
            """
        let r = try await TestProcess.run(["python3", "-c", probe], timeout: 30)
        let lines = r.text.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(r.text) \(String(decoding: r.stderr, as: UTF8.self))")
        #expect(lines.prefix(2).allSatisfy { $0 == "HTTP/1.1 200 OK" }, "\(lines)")
        #expect(lines.last?.hasPrefix("closed") == true, "\(lines)")
        try await cli.cleanup()
    }
}
