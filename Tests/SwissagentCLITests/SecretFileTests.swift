import Foundation
import RedisTestSupport
import Testing

/// Secrets from files (mounted Kubernetes Secrets), not the environment.
@Suite struct SecretFileTests {
    @Test func theRedisPasswordComesFromAFile() async throws {
        let server = try RedisTestServer.start(extraArgs: ["--requirepass", "pw-from-file"])
        defer { server.kill9() }
        let file = NSTemporaryDirectory() + "swissagent-redis-password-\(UUID().uuidString.prefix(8))"
        try "pw-from-file\n".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        var cli = try CLI(redisURL: "redis://127.0.0.1:\(server.port)")
        var env = ProcessInfo.processInfo.environment
        env["REDIS_PASSWORD_FILE"] = file
        cli.extraEnv = env
        let ok = try await cli.run("queues")
        #expect(ok.status == 0, "\(ok.stderr)")
        env["REDIS_PASSWORD_FILE"] = nil
        cli.extraEnv = env
        let refused = try await cli.run("queues")
        #expect(refused.status != 0 && refused.stderr.lowercased().contains("auth"), "\(refused.stderr)")
        env["REDIS_PASSWORD_FILE"] = "/nonexistent/password"
        cli.extraEnv = env
        let missing = try await cli.run("queues")
        #expect(missing.status != 0 && missing.stderr.contains("REDIS_PASSWORD_FILE: cannot read /nonexistent/password"), "\(missing.stderr)")
    }
}
