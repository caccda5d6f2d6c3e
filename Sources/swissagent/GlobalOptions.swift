import AgentCore
import ArgumentParser
import Foundation
import RedisQueue

/// Options every command that talks to Redis shares.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Redis to use: redis://[:password@]host:port/db or unix:///path.",
                                            discussion: "Defaults to $REDIS_URL, then redis://127.0.0.1:6379. "
                                                + "$REDIS_PASSWORD_FILE names a file holding the password (a mounted Secret)."))
    var redisURL: String = ProcessInfo.processInfo.environment["REDIS_URL"] ?? "redis://127.0.0.1:6379"

    @Option(name: .long, help: "Key prefix that namespaces everything in Redis (default $SWISSAGENT_PREFIX or swissagent:).")
    var prefix: String = ProcessInfo.processInfo.environment["SWISSAGENT_PREFIX"] ?? "swissagent:"

    func validate() throws {
        do { _ = try redisConfig() } catch { throw ValidationError("\(error)") }
        guard !prefix.contains("{"), !prefix.contains("}") else { throw ValidationError("--prefix may not contain braces") }
    }

    /// The URL, with the password from $REDIS_PASSWORD_FILE when the URL has none: secrets as files,
    /// not in the environment.
    func redisConfig() throws -> RedisConfig {
        var config = try RedisConfig(url: redisURL)
        if config.password == nil, let path = ProcessInfo.processInfo.environment["REDIS_PASSWORD_FILE"], !path.isEmpty {
            config.password = try SecretFile.read(path, what: "REDIS_PASSWORD_FILE")
        }
        return config
    }

    func makeQueue() throws -> RedisJobQueue {
        RedisJobQueue(client: RedisClient(try redisConfig()), prefix: prefix)
    }
}

/// A one-line failure for the person at the terminal; exits non-zero.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
