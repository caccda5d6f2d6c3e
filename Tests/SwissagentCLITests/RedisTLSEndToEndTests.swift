import AgentCore
import Foundation
import RedisQueue
import RedisTestSupport
import Testing

/// swissagent over rediss:// against a redis-server that speaks only TLS and wants client
/// certificates: a job through submit and a worker, the console, and a wrong CA said plainly.
@Suite struct RedisTLSEndToEndTests {
    @Test func submitWorkerAndConsoleOverTLS() async throws {
        let certs = try TestCertificates()
        let server = try certs.server(clients: true)
        defer { server.kill9() }
        let tls = ["REDIS_TLS_CA_FILE": certs.ca, "REDIS_TLS_CERT_FILE": certs.clientCert, "REDIS_TLS_KEY_FILE": certs.clientKey]
        var cli = try CLI(redisURL: "rediss://127.0.0.1:\(server.port)")
        cli.extraEnv = ProcessInfo.processInfo.environment.merging(tls) { _, new in new }
        let worker = try WorkerProcess(cli, ["--concurrency", "1"], env: tls)
        defer { worker.signal(SIGTERM) }
        let done = try await cli.run(["submit", "--wait", "-"], stdin: #"{"steps":[{"tool":"shell","input":{"command":"echo over-tls"}}]}"#)
        #expect(done.status == 0 && done.stdout.contains("over-tls"), "\(done.stderr) \(worker.output)")

        let env = ["REDIS_URL": cli.redisURL, "SWISSAGENT_PREFIX": cli.prefix].merging(tls) { a, _ in a }
        let tmux = try Tmux([try CLI.binary.path, "console", "--refresh", "0.2"], env: env)
        defer { tmux.kill() }
        #expect(try await tmux.waitFor("redis 127.0.0.1:\(server.port) ✓"), "\((try? tmux.screen()) ?? "")")
        #expect(try await tmux.waitFor("1 worker"))

        // The wrong CA: the command fails, saying why.
        var wrong = cli
        wrong.extraEnv = cli.extraEnv?.merging(["REDIS_TLS_CA_FILE": certs.otherCA]) { _, new in new }
        let refused = try await wrong.run(["queues"])
        #expect(refused.status != 0 && refused.stderr.contains("TLS handshake failed: certificate verify failed"), "\(refused.stderr)")
        // Insecure is said out loud.
        var insecure = wrong
        insecure.extraEnv?["REDIS_TLS_INSECURE"] = "1"
        let warned = try await insecure.run(["queues"])
        #expect(warned.status == 0 && warned.stderr.contains("REDIS_TLS_INSECURE=1"), "\(warned.stderr)")
    }
}
