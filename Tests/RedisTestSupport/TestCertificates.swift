import Foundation
import TestServers

/// A CA, a server certificate for 127.0.0.1 and localhost, a client certificate, and a CA that
/// signed none of them, made with the openssl command.
public struct TestCertificates: Sendable {
    public let dir: String
    public var ca: String { dir + "/ca.crt" }
    public var otherCA: String { dir + "/other-ca.crt" }
    public var serverCert: String { dir + "/server.crt" }
    public var serverKey: String { dir + "/server.key" }
    public var clientCert: String { dir + "/client.crt" }
    public var clientKey: String { dir + "/client.key" }

    public init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("swissagent-tls-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let script = """
        set -e
        cd '\(dir)'
        printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > server.ext
        for ca in ca other-ca; do
          openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout $ca.key -out $ca.crt -days 2 -subj "/CN=swissagent test $ca" 2>/dev/null
        done
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key -out server.csr -subj /CN=localhost 2>/dev/null
        openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2 -extfile server.ext 2>/dev/null
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout client.key -out client.csr -subj /CN=worker 2>/dev/null
        openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.crt -days 2 2>/dev/null
        """
        let made = try TestProcess.runBlocking(["/bin/sh", "-c", script], timeout: 60)
        guard FileManager.default.fileExists(atPath: dir + "/client.crt") else { throw TestServerError("openssl failed: \(made.text)") }
    }

    /// redis-server on TLS only; `clients`: whether it asks clients for a certificate.
    public func server(clients: Bool) throws -> RedisTestServer {
        try RedisTestServer.start(
            tls: ["--tls-cert-file", serverCert, "--tls-key-file", serverKey, "--tls-ca-cert-file", ca, "--tls-auth-clients", clients ? "yes" : "no"],
            cliArgs: ["--tls", "--cacert", ca, "--cert", clientCert, "--key", clientKey])
    }
}
