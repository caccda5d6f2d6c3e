import AgentCore
import APIServer
import Foundation
import HTTPClient
import Logging
import Synchronization

/// The API served from this process on a loopback port, over the memory queue: real HTTP, the real
/// router and handlers, and a queue the test can drive as a worker would.
final class InProcessAPI: Sendable {
    let queue: MemoryJobQueue
    let port: Int
    private let serving: Task<Void, any Error>
    var base: String { "http://127.0.0.1:\(port)" }

    static let tokens = "tok-acme=acme,tok-globex=globex,tok-root=ops:admin,tok-ci=ci/builds+default"

    init(queue: MemoryJobQueue = MemoryJobQueue(), configure: (inout APIServer) -> Void = { _ in }) async throws {
        self.queue = queue
        var server = APIServer(queue: queue, tokens: try APITokens.fromEnvironmentList(Self.tokens))
        server.accessLog = false
        configure(&server)
        let (ports, found) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "test.api")
        logger.logLevel = .critical  // the server's own shutdown notes when a test ends
        let app = server.application(host: "127.0.0.1", port: 0, logger: logger) { _, port in found.yield(port) }
        serving = Task { try await app.runService(gracefulShutdownSignals: []) }
        var listening: Int?
        for await port in ports {
            listening = port
            break
        }
        guard let listening else { throw APITestError("the API did not start") }
        port = listening
    }

    deinit { serving.cancel() }

    struct Reply {
        var status: Int
        var json: JSONValue
        var headers: [String: String]
        var text: String

        /// The error code of a JSON error body.
        var code: String? { json["error"]?["code"]?.stringValue }
    }

    func call(_ method: String, _ path: String, token: String? = "tok-acme", body: String? = nil,
              headers extra: [(String, String)] = []) async throws -> Reply {
        let headers = (token.map { [("Authorization", "Bearer \($0)")] } ?? []) + extra
        let r = try await HTTPClient().send(HTTPRequest(method, base + path, headers: headers + [("Content-Type", "application/json")],
                                                        body: body.map { Data($0.utf8) }))
        return Reply(status: r.status, json: (try? JSONValue.parse(r.body)) ?? .null, headers: r.headers,
                     text: String(decoding: r.body, as: UTF8.self))
    }

    /// Submits as `token` and returns the id the caller knows.
    func submit(_ body: String, token: String = "tok-acme") async throws -> String {
        let r = try await call("POST", "/v1/jobs", token: token, body: body)
        guard r.status == 201, let id = r.json["id"]?.stringValue else { throw APITestError("submit: \(r.status) \(r.text)") }
        return id
    }
}

struct APITestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
