import Foundation
import Redis
import RedisQueue
import RedisTestSupport
import Testing

@Suite struct RedisConfigTests {
    @Test func parsesTCPURLs() throws {
        let c = try RedisConfig(url: "redis://:s3cret@db.example:6380/4")
        #expect(c.endpoint == .tcp(host: "db.example", port: 6380))
        #expect(c.password == "s3cret")
        #expect(c.username == nil)
        #expect(c.database == 4)
        #expect(c.redactedURL == "redis://:***@db.example:6380/4")
        let d = try RedisConfig(url: "redis://app:pw@127.0.0.1")
        #expect(d.username == "app")
        #expect(d.endpoint == .tcp(host: "127.0.0.1", port: 6379))
    }

    @Test func parsesUnixURLs() throws {
        let c = try RedisConfig(url: "unix:///run/redis.sock?db=2")
        #expect(c.endpoint == .unix(path: "/run/redis.sock"))
        #expect(c.database == 2)
    }

    @Test func refusesBadURLs() {
        #expect(throws: RedisError.self) { try RedisConfig(url: "http://x") }
        #expect(throws: RedisError.self) { try RedisConfig(url: "redis://host/notanumber") }
        #expect(throws: RedisError.self) { try RedisConfig(url: "unix://") }
        do { _ = try RedisConfig(url: "mysql://x"); Issue.record("accepted mysql://") } catch {
            #expect(error.description == #"bad Redis URL "mysql://x": unsupported scheme "mysql" (use redis://, rediss://, unix://, redis-sentinel:// or redis-cluster://)"#)
        }
    }
}

@Suite struct RedisClientTests {
    func client() throws -> RedisClient { try RedisClient(url: try RedisTestServer.sharedURL) }

    @Test func binarySafeValuesRoundTrip() async throws {
        let c = try client()
        let key = "swissagent-test:bin:\(UUID().uuidString)"
        let value: [UInt8] = [0, 13, 10, 255, 36, 42, 0, 1] + Array("\r\n$3\r\nSET".utf8)
        try await c.send(["SET", key, value]).orThrow()
        #expect(try await c.call("GET", key) == .string(value))
        try await c.call("DEL", key)
    }

    @Test func pipelineKeepsOrder() async throws {
        let c = try client()
        let key = "swissagent-test:pipe:\(UUID().uuidString)"
        let replies = try await c.pipeline((1...1000).map { _ in ["INCR", key] })
        #expect(replies.map(\.int) == (1...1000).map { Optional($0) })
        try await c.call("DEL", key)
    }

    @Test func errorRepliesAreErrors() async throws {
        let c = try client()
        let reply = try await c.send(["NOSUCHCOMMAND"])
        guard case .error(let msg) = reply else { Issue.record("expected an error reply, got \(reply)"); return }
        #expect(msg.contains("unknown command"))
        await #expect(throws: RedisError.self) { try await c.call("NOSUCHCOMMAND") }
        // The connection is still good after an error reply.
        #expect(try await c.call("PING") == .status("PONG"))
    }

    @Test func unreachableRedisSaysWhereAndWhy() async throws {
        let c = try RedisClient(url: "redis://127.0.0.1:1")
        do {
            try await c.call("PING")
            Issue.record("PING to port 1 succeeded")
        } catch let e as RedisError {
            #expect(e.description == "cannot reach Redis at 127.0.0.1:1: connection refused")
            #expect(e.isConnectionError)
        }
    }

    @Test func connectsOverUnixSocket() async throws {
        let server = try RedisTestServer.shared.get()
        let c = try RedisClient(url: "unix://\(server.socketPath)?db=3")
        #expect(try await c.call("PING") == .status("PONG"))
        let key = "swissagent-test:unix:\(UUID().uuidString)"
        try await c.call("SET", key, "x")
        // Database 3, not 0.
        #expect(try await RedisClient(url: server.url).call("EXISTS", key) == .integer(0))
        #expect(try await RedisClient(url: server.url + "/3").call("EXISTS", key) == .integer(1))
        try await c.call("DEL", key)
    }

    @Test func authenticatesWithPassword() async throws {
        let server = try RedisTestServer.start(extraArgs: ["--requirepass", "s3cret"])
        defer { server.kill9() }
        #expect(try await RedisClient(url: "redis://:s3cret@127.0.0.1:\(server.port)").call("PING") == .status("PONG"))
        do {
            try await RedisClient(url: "redis://:wrong@127.0.0.1:\(server.port)").call("PING")
            Issue.record("wrong password accepted")
        } catch let e as RedisError {
            #expect(e.description.hasPrefix("cannot reach Redis at 127.0.0.1:\(server.port): authentication failed"))
            #expect(!e.description.contains("wrong"))
        }
    }

    @Test func scriptsSurviveAFlushedScriptCache() async throws {
        // A server of its own: a flush on the shared one would make other tests' batches reload mid-way.
        let server = try RedisTestServer.start()
        defer { server.kill9() }
        let c = try RedisClient(url: server.url)
        let script = RedisScript(name: "test-echo", source: "return ARGV[1] .. '!'")
        #expect(try await c.eval(script, keys: [], args: ["hi"]).text == "hi!")
        try await c.call("SCRIPT", "FLUSH")
        #expect(try await c.eval(script, keys: [], args: ["again"]).text == "again!")
    }

    @Test func reconnectsAfterRedisRestarts() async throws {
        let server = try RedisTestServer.start()
        defer { server.kill9() }
        let c = try RedisClient(url: server.url)
        try await c.call("SET", "k", "before")
        server.kill9()
        // The command that meets the dead server fails and says so.
        do {
            try await c.call("GET", "k")
            Issue.record("GET succeeded against a killed server")
        } catch let e as RedisError {
            #expect(e.isConnectionError)
            #expect(e.description.contains("127.0.0.1:\(server.port)"))
        }
        try server.launch()
        // The same client recovers by itself (after its backoff), with no restart of this process.
        var answer: RedisReply?
        for _ in 0..<50 {
            if let r = try? await c.call("PING") { answer = r; break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(answer == .status("PONG"))
    }

    @Test func blockingCallsDoNotStarveOtherWork() async throws {
        // Twelve clients block in BLPOP at once. Were blocking calls run on Swift's cooperative
        // threads (two on this machine), no more than two could be blocked at a time; Redis' own
        // client list shows how many really are.
        let url = try RedisTestServer.sharedURL
        let name = "starve-\(UUID().uuidString.prefix(8))"
        let key = "swissagent-test:block:\(name)"
        let observer = try RedisClient(url: url)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<12 {
                group.addTask {
                    let c = try RedisClient(url: url)
                    try await c.call("CLIENT", "SETNAME", name)
                    _ = try await c.send(["BLPOP", key, "150"], timeout: 160)
                }
            }
            var most = 0
            // Room for a loaded machine, where twelve connections can take many seconds to come up (a
            // busy CI run has stalled them past 25 s); the question is only whether all twelve are blocked at once.
            let deadline = ContinuousClock.now + .seconds(120)
            while most < 12 && ContinuousClock.now < deadline {
                let list = try await observer.call("CLIENT", "LIST").text ?? ""
                most = max(most, list.split(separator: "\n").filter { $0.contains("name=\(name) ") && $0.contains("cmd=blpop") }.count)
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(most == 12)
            try await observer.send(["LPUSH", key] + Array(repeating: "x", count: 12)).orThrow()
            try await group.waitForAll()
        }
        try await observer.call("DEL", key)
    }
}

