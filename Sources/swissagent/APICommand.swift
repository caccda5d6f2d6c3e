import APIServer
import ArgumentParser
import Foundation
import Hummingbird
import Logging
import RedisQueue

struct APICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "Serve the HTTP API: submit, list, inspect, requeue, cancel and delete jobs, per tenant.",
        discussion: "Tokens come from --tokens-file (lines: <sha256 of the token> <tenant> [admin]) or, for development, "
            + "SWISSAGENT_API_TOKENS=token=tenant,token2=tenant2:admin. SIGTERM drains and stops.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on.")
    var port = 8080

    @Option(help: "Token file: one line per token, its SHA-256 in hex, the tenant, and optionally admin.")
    var tokensFile: String?

    @Option(help: "Log format: text or json.")
    var logFormat: LogFormat = .text

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be 1...65535") }
    }

    func run() async throws {
        logFormat.bootstrap()
        let tokens: APITokens
        if let tokensFile {
            guard let text = try? String(contentsOfFile: tokensFile, encoding: .utf8) else { throw CLIError("cannot read \(tokensFile)") }
            do { tokens = try APITokens.fromFile(text) } catch { throw CLIError("\(error)") }
        } else if let list = ProcessInfo.processInfo.environment["SWISSAGENT_API_TOKENS"] {
            tokens = APITokens.fromEnvironmentList(list)
        } else {
            throw CLIError("no API tokens: pass --tokens-file PATH or set SWISSAGENT_API_TOKENS")
        }
        let queue = RedisJobQueue(client: RedisClient(try RedisConfig(url: global.redisURL), label: "api"), prefix: global.prefix)
        let app = APIServer(queue: queue, tokens: tokens).application(host: host, port: port, logger: Logger(label: "swissagent.api"))
        try await app.runService()
    }
}
