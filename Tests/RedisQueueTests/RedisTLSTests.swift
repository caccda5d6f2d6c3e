import AgentCore
import Foundation
import Redis
import RedisQueue
import RedisTestSupport
import Testing

/// Redis over TLS against a real redis-server with TLS only: verified by default, client
/// certificates, and each way it can be wrong saying so.
@Suite struct RedisTLSTests {
    func config(_ port: Int, _ tls: RedisConfig.TLS, host: String = "127.0.0.1") throws -> RedisConfig {
        var c = try RedisConfig(url: "rediss://\(host):\(port)", environment: [:])
        c.tls = tls
        return c
    }

    func failure(_ c: RedisConfig) async -> String {
        do {
            _ = try await RedisClient(c, label: "tls-test").call("PING")
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test func jobsGoThroughAVerifiedConnectionWithAClientCertificate() async throws {
        let certs = try TestCertificates()
        let server = try certs.server(clients: true)
        defer { server.kill9() }
        let good = RedisConfig.TLS(caFile: certs.ca, certFile: certs.clientCert, keyFile: certs.clientKey)
        let client = RedisClient(try config(server.port, good), label: "tls-test")
        var step = "first PING"
        do {
        #expect(try await client.call("PING") == .status("PONG"))
        // A queue over it: enqueue, claim, a big value both ways, ack.
        step = "queue"
        let queue = RedisJobQueue(client: client, prefix: "tls:")
        let id = try await queue.enqueue(JobSpec(steps: [StepSpec(tool: "shell", input: ["command": .string(String(repeating: "x", count: 300_000))])]))
        let job = try #require(try await queue.claim(queues: ["default"], worker: "w", lease: 30, wait: 1))
        #expect(job.id == id && job.specJSON.count > 300_000)
        _ = try await queue.complete(job.token, result: "ok", next: nil)
        #expect(try await queue.job(id: id)?.state == .succeeded)

        step = "refusals"
        // Without a client certificate the server says no.
        let anonymous = await failure(try config(server.port, RedisConfig.TLS(caFile: certs.ca)))
        #expect(anonymous.contains("127.0.0.1:\(server.port)"), "\(anonymous)")
        // Verified against the wrong CA, for the wrong name, or not TLS at all.
        let wrongCA = await failure(try config(server.port, RedisConfig.TLS(caFile: certs.otherCA, certFile: certs.clientCert, keyFile: certs.clientKey)))
        #expect(wrongCA.contains("TLS handshake failed: certificate verify failed"), "\(wrongCA)")
        let wrongName = await failure(try config(server.port, RedisConfig.TLS(caFile: certs.ca, certFile: certs.clientCert, keyFile: certs.clientKey,
                                                                               serverName: "redis.example")))
        #expect(wrongName.contains("certificate verify failed") && wrongName.contains("hostname mismatch"), "\(wrongName)")
        var plain = try config(server.port, good)
        plain.tls = nil
        plain.commandTimeout = 1
        let notTLS = await failure(plain)
        #expect(notTLS != "no error", "\(notTLS)")
        // Insecure skips the check (tests only): the wrong CA then gets in.
        let insecure = RedisClient(try config(server.port, RedisConfig.TLS(caFile: certs.otherCA, certFile: certs.clientCert, keyFile: certs.clientKey,
                                                                            insecure: true)), label: "tls-test")
        #expect(try await insecure.call("PING") == .status("PONG"))

        // The server dies under an open connection: each call after is an error, never a SIGPIPE
        // that would end this process (which does not ignore it).
        step = "PING before the kill"
        #expect(try await client.call("PING") == .status("PONG"))
        step = "after the kill"
        server.kill9()
        let big = String(repeating: "x", count: 8 << 20)
        for _ in 0..<3 { await #expect(throws: RedisError.self) { try await client.call("SET", "tls:big", big) } }
        } catch {
            Issue.record("at \(step): \(error)")
        }
    }

    @Test func settingsComeFromTheEnvironment() throws {
        let c = try RedisConfig(url: "rediss://:pw@redis.example:6380/2", environment: [
            "REDIS_TLS_CA_FILE": "/ca.pem", "REDIS_TLS_CERT_FILE": "/c.pem", "REDIS_TLS_KEY_FILE": "/k.pem", "REDIS_TLS_SERVER_NAME": "r.internal"])
        #expect(c.tls == RedisConfig.TLS(caFile: "/ca.pem", certFile: "/c.pem", keyFile: "/k.pem", serverName: "r.internal"))
        #expect(c.redactedURL == "rediss://:***@redis.example:6380/2" && c.database == 2)
        #expect(try RedisConfig(url: "redis://h:1", environment: ["REDIS_TLS_CA_FILE": "/ca.pem"]).tls == nil)
        #expect(try RedisConfig(url: "rediss://h", environment: ["REDIS_TLS_INSECURE": "1"]).tls?.insecure == true)
        #expect(try RedisConfig(url: "rediss://h", environment: [:]).address == "h:6379")
    }
}
