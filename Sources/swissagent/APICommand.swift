import AgentCore
import APIServer
import ArgumentParser
import CommandOptions
import Foundation
import Logging
import Redis
import RedisQueue

struct APICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "Serve the HTTP API: submit, list, inspect, requeue, cancel and delete jobs, per tenant.",
        discussion: "Tokens come from --tokens-file (lines: <sha256 of the token> <tenant> [admin] [queues=q1,q2]) or, for "
            + "development, SWISSAGENT_API_TOKENS=token=tenant,token2=tenant2:admin,token3=tenant3/q1+q2. A token without a "
            + "queue list may use --queue (default: default); an admin token any queue. SIGTERM drains and stops.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0: any free port; the log says which).")
    var port = 8080

    @Option(help: "Seconds before an idle connection is closed.")
    var idleTimeout = 75

    @Option(help: "Seconds a request's header may take to arrive, from its first byte (or from connecting).")
    var headerTimeout: Double = 10

    @Option(help: "Connections served at once; more wait to be accepted (default: what the descriptor limit leaves room for).")
    var maxConnections: Int?

    @Option(help: "Output streams (GET /v1/jobs/ID/output) open at once; more get 503 with Retry-After.")
    var maxStreams = 1000

    @Option(help: "Output streams one tenant may hold open at once; more get 429 with Retry-After.")
    var maxStreamsPerTenant = 100

    @Option(name: .customLong("queue"), help: "A queue tokens without a queue list may use (repeat for several).")
    var queues: [String] = ["default"]

    @Flag(inversion: .prefixedNo, help: "Write one log line per request (method, path, route, status, time; never a header).")
    var accessLog = true

    @Flag(help: "Print the OpenAPI document and exit.")
    var printOpenapi = false

    @Option(help: "Token file: one line per token, its SHA-256 in hex, the tenant, and optionally admin.")
    var tokensFile: String?

    @Option(help: "Log format: text or json.")
    var logFormat: LogFormat = .text

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535") }
        guard idleTimeout > 0 else { throw ValidationError("--idle-timeout must be positive") }
        guard headerTimeout > 0, headerTimeout <= 3600 else { throw ValidationError("--header-timeout must be 0...3600 seconds") }
        if let maxConnections, maxConnections < 1 { throw ValidationError("--max-connections must be positive") }
        guard maxStreams > 0 else { throw ValidationError("--max-streams must be positive") }
        guard maxStreamsPerTenant > 0 else { throw ValidationError("--max-streams-per-tenant must be positive") }
        for q in queues where !JobSpecParser.isValidName(q) { throw ValidationError("--queue \(q): \(JobSpecParser.nameRule)") }
    }

    func run() async throws {
        if printOpenapi {
            print(OpenAPIDocument.json)
            return
        }
        logFormat.bootstrap()
        let tokens: APITokens
        if let tokensFile {
            guard let text = try? String(contentsOfFile: tokensFile, encoding: .utf8) else { throw CLIError("cannot read \(tokensFile)") }
            do { tokens = try APITokens.fromFile(text) } catch { throw CLIError("\(error)") }
        } else if let list = ProcessInfo.processInfo.environment["SWISSAGENT_API_TOKENS"] {
            do { tokens = try APITokens.fromEnvironmentList(list) } catch { throw CLIError("\(error)") }
        } else {
            throw CLIError("no API tokens: pass --tokens-file PATH or set SWISSAGENT_API_TOKENS")
        }
        let redis = try global.redisConfig()
        let queue = RedisJobQueue(client: RedisClient(redis, label: "api"), prefix: global.prefix)
        var server = APIServer(queue: queue, tokens: tokens)
        server.files = JobFiles(store: try global.makeArtifacts())
        server.idleTimeout = .seconds(idleTimeout)
        server.headerTimeout = .milliseconds(Int(headerTimeout * 1000))
        // Each connection may hold an output stream, and each stream a Redis connection: two descriptors.
        let descriptors = DescriptorLimit.raise()
        server.maxConnections = maxConnections ?? max(16, min(100_000, (descriptors - 64) / 2))
        server.accessLog = accessLog
        server.maxStreams = maxStreams
        server.maxStreamsPerTenant = maxStreamsPerTenant
        server.defaultQueues = queues
        let logger = Logger(label: "swissagent.api")
        try await server.run(host: host, port: port, logger: logger) { host, port in
            logger.info("listening on \(host):\(port)", metadata: ["redis": "\(redis.redactedURL)"])
        }
    }
}
