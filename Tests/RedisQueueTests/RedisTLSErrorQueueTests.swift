import Foundation
@testable import Redis
@testable import RedisQueue
import RedisTestSupport
import Testing

/// OpenSSL keeps one error queue per thread for every library in the process. A TLS connection
/// must not read an entry someone else left there as its own failure: in a full test run, libcurl's
/// leftovers made a healthy connection report "TLS: shutdown while in init" under load.
@Suite struct RedisTLSErrorQueueTests {
    @Test func aStaleErrorLeftOnTheThreadDoesNotBreakAConnection() throws {
        let certs = try TestCertificates()
        let server = try certs.server(clients: true)
        defer { server.kill9() }
        var config = try RedisConfig(url: "rediss://127.0.0.1:\(server.port)", environment: [:])
        config.tls = RedisConfig.TLS(caFile: certs.ca, certFile: certs.clientCert, keyFile: certs.clientKey)
        RedisConnection.leaveStaleTLSErrorOnThisThread()
        let connection = try RedisConnection(config)
        // A reply that takes a while: the read finds nothing at first (WANT_READ) and must wait for it.
        for _ in 0..<3 {
            RedisConnection.leaveStaleTLSErrorOnThisThread()
            let replies = try connection.send([["BLPOP", "tls-stale-queue:none", "0.2"].map { Array($0.utf8) }])
            #expect(replies.first == .null)
            RedisConnection.leaveStaleTLSErrorOnThisThread()
            #expect(try connection.send([["PING"].map { Array($0.utf8) }]).first == .status("PONG"))
        }
    }
}
