import AgentCore
import ArgumentParser
import Artifacts
import Foundation
import Redis
import RedisQueue

/// Options every command that talks to Redis shares.
public struct GlobalOptions: ParsableArguments, Sendable {
    public init() {}

    @Option(name: .long, help: ArgumentHelp("Redis to use: redis://[:password@]host:port/db, rediss:// (TLS), unix:///path, "
                                            + "redis-sentinel://host:26379,host:26379/MASTER[/db] or redis-cluster://host:6379,host:6379.",
                                            discussion: "Defaults to $REDIS_URL, then redis://127.0.0.1:6379. "
                                                + "rediss-sentinel:// and rediss-cluster:// use TLS; $REDIS_SENTINEL_PASSWORD is the sentinels' own password. "
                                                + "$REDIS_PASSWORD_FILE names a file holding the password (a mounted Secret). rediss:// "
                                                + "verifies the server against $REDIS_TLS_CA_FILE (else the system's CAs) and the name "
                                                + "$REDIS_TLS_SERVER_NAME (else the host); $REDIS_TLS_CERT_FILE and $REDIS_TLS_KEY_FILE "
                                                + "give a client certificate; REDIS_TLS_INSECURE=1 skips verifying (tests only)."))
    public var redisURL: String = ProcessInfo.processInfo.environment["REDIS_URL"] ?? "redis://127.0.0.1:6379"

    @Option(name: .long, help: ArgumentHelp("Replicas that must confirm every write before it is reported done (WAIT).",
                                            discussion: "Default $SWISSAGENT_REDIS_REPLICAS, else 0. With Sentinel or a cluster, 1 keeps an "
                                                + "acknowledged submit through a failover: asynchronous replication can otherwise drop the last writes."))
    public var redisReplicas: Int = Int(ProcessInfo.processInfo.environment["SWISSAGENT_REDIS_REPLICAS"] ?? "") ?? 0

    @Option(name: .long, help: "Key prefix that namespaces everything in Redis (default $SWISSAGENT_PREFIX or swissagent:).")
    public var prefix: String = ProcessInfo.processInfo.environment["SWISSAGENT_PREFIX"] ?? "swissagent:"

    @Option(name: .long, help: ArgumentHelp("Where jobs' workspaces and files are kept: s3://bucket/prefix or file:///path.",
                                            discussion: "Defaults to $SWISSAGENT_ARTIFACTS, then the directory .swissagent/artifacts. s3:// reads "
                                                + "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (or AWS_SECRET_ACCESS_KEY_FILE), AWS_SESSION_TOKEN, AWS_REGION, "
                                                + "AWS_ENDPOINT_URL_S3 (MinIO, Ceph, R2) and SWISSAGENT_S3_PATH_STYLE (default: on with an endpoint URL)."))
    public var artifacts: String?

    public func validate() throws {
        let config: RedisConfig
        do { config = try redisConfig() } catch { throw ValidationError("\(error)") }
        if config.tls?.insecure == true {
            printError("warning: REDIS_TLS_INSECURE=1: the Redis server's TLS certificate is not verified; anyone on the path can read and change the queue")
        }
        guard (0...16).contains(redisReplicas) else { throw ValidationError("--redis-replicas must be 0...16") }
        if let text = ProcessInfo.processInfo.environment["SWISSAGENT_REDIS_REPLICAS"], !text.isEmpty, Int(text) == nil {
            throw ValidationError("SWISSAGENT_REDIS_REPLICAS=\(text) is not a number")
        }
        guard !prefix.contains("{"), !prefix.contains("}") else { throw ValidationError("--prefix may not contain braces") }
    }

    /// The URL, with the password from $REDIS_PASSWORD_FILE when the URL has none: secrets as files,
    /// not in the environment.
    public func redisConfig() throws -> RedisConfig {
        var config = try RedisConfig(url: redisURL)
        config.replicas = redisReplicas
        if config.password == nil, let path = ProcessInfo.processInfo.environment["REDIS_PASSWORD_FILE"], !path.isEmpty {
            config.password = try SecretFile.read(path, what: "REDIS_PASSWORD_FILE")
        }
        return config
    }

    /// The artifact store `--artifacts` (or the environment) names.
    public func makeArtifacts() throws -> any ArtifactStore {
        do { return try ArtifactStoreConfig.make(artifacts) } catch { throw CLIError("artifacts: \(error)") }
    }

    /// The queue every command talks to: the one place the CLI names its store.
    public func makeQueue(label: String = "redis") throws -> any JobQueue {
        RedisJobQueue(client: RedisClient(try redisConfig(), label: label), prefix: prefix)
    }
}
