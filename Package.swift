// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "swissagent",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "swissagent", targets: ["swissagent"]),
        .executable(name: "swissagent-bench", targets: ["swissagent-bench"]),
        .library(name: "AgentCore", targets: ["AgentCore"]),
        .library(name: "Redis", targets: ["Redis"]),
        .library(name: "RedisQueue", targets: ["RedisQueue"]),
        .library(name: "Sandboxes", targets: ["Sandboxes"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        // Already built as Hummingbird's own dependencies; named here because the API uses them directly
        // (graceful shutdown; channel handlers for the header timeout).
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.34.1"),
    ],
    targets: [
        // Thin system-library wrappers: a modulemap and a shim header each, no Swift.
        .systemLibrary(name: "CHiredis", path: "Sources/CHiredis", pkgConfig: "hiredis", providers: [.apt(["libhiredis-dev"])]),
        .systemLibrary(name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CNcurses", path: "Sources/CNcurses", providers: [.apt(["libncurses-dev"])]),

        // posix_spawn with every other descriptor closed, and its thin Swift wrapper.
        .target(name: "CSpawn", path: "Sources/CSpawn"),
        .target(name: "CRedisSocket", path: "Sources/CRedisSocket", linkerSettings: [.linkedLibrary("ssl"), .linkedLibrary("crypto")]),
        .target(name: "ChildProcess", dependencies: ["CSpawn"]),
        // SHA-256 by OpenSSL, for content-addressed checkpoints.
        .target(name: "CDigest", path: "Sources/CDigest", linkerSettings: [.linkedLibrary("crypto")]),

        .target(name: "AgentCore", dependencies: [.product(name: "Logging", package: "swift-log")]),
        // A Redis client: connections (TLS), Sentinel, Cluster, scripts, replica waits. Knows nothing of jobs.
        .target(name: "Redis", dependencies: ["AgentCore", "CHiredis", "CRedisSocket"]),
        // The job queue on Redis: keys, Lua scripts, every transition of `JobQueue`.
        .target(name: "RedisQueue", dependencies: ["AgentCore", "Redis"]),
        .target(name: "HTTPClient", dependencies: ["CCurl"]),
        .target(name: "Sandboxes", dependencies: ["AgentCore", "HTTPClient", "ChildProcess"]),
        // Workspaces and files that outlive a worker: S3-compatible (SigV4 by libcurl) or a directory.
        .target(name: "Artifacts", dependencies: ["AgentCore", "HTTPClient", "CDigest"]),
        // What every surface does the same way: the CLI, the API and the console are thin adapters over it.
        .target(name: "Operations", dependencies: ["AgentCore"]),
        .target(name: "Console", dependencies: ["AgentCore", "Operations", "CNcurses", "ChildProcess",
                                                .product(name: "Logging", package: "swift-log")]),
        .target(name: "ModelClient", dependencies: ["AgentCore", "HTTPClient"]),
        .target(name: "APIServer", dependencies: ["AgentCore", "Operations", .product(name: "Hummingbird", package: "hummingbird"),
                                                  .product(name: "HummingbirdCore", package: "hummingbird"),
                                                  .product(name: "Logging", package: "swift-log"),
                                                  .product(name: "HTTPTypes", package: "swift-http-types"),
                                                  .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                                                  .product(name: "NIOCore", package: "swift-nio"),
                                                  .product(name: "NIOHTTPTypes", package: "swift-nio-extras")],
                resources: [.embedInCode("openapi.json")]),
        // The command-line options both executables read, and the wiring they make: which Redis, which
        // sandboxes, which models. The one place outside the executables that names the Redis modules.
        .target(name: "CommandOptions", dependencies: ["AgentCore", "Redis", "RedisQueue", "Sandboxes", "ModelClient", "Artifacts",
                                                       .product(name: "ArgumentParser", package: "swift-argument-parser"),
                                                       .product(name: "Logging", package: "swift-log")]),
        .executableTarget(
            name: "swissagent",
            dependencies: [
                "AgentCore", "Operations", "CommandOptions", "Redis", "RedisQueue", "Sandboxes", "Console", "HTTPClient", "APIServer", "ModelClient", "Artifacts",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The benchmarks, apart from what ships.
        .executableTarget(
            name: "swissagent-bench",
            dependencies: [
                "AgentCore", "Operations", "CommandOptions", "Redis", "RedisQueue", "Sandboxes", "Console", "HTTPClient", "ModelClient", "Artifacts",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // `bench agent` serves the model side itself (already built for the API).
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/swissagent-bench"
        ),

        // Test helpers. TestServers: processes and servers that speak a remote service's protocol (a Chat
        // Completions server, E2B's API and envd, an HTTP server), their Python, and waiting on events.
        .target(name: "TestServers", dependencies: ["AgentCore", "HTTPClient", "ChildProcess"], path: "Tests/TestServers",
                exclude: ["chat_test_server.py", "test_server.py", "llama_server.py", "moto_server.py"]),
        // RedisTestSupport: a real redis-server per test run (plain, TLS, Sentinel, Cluster), queues under their own key prefix.
        .target(name: "RedisTestSupport", dependencies: ["TestServers", "Redis", "RedisQueue", "AgentCore", "ChildProcess"],
                path: "Tests/RedisTestSupport"),
        .testTarget(name: "AgentCoreTests", dependencies: ["AgentCore"]),
        .testTarget(name: "RedisQueueTests", dependencies: ["Redis", "RedisQueue", "AgentCore", "RedisTestSupport"]),
        .testTarget(name: "SandboxTests", dependencies: ["Sandboxes", "AgentCore", "HTTPClient", "Redis", "RedisQueue", "RedisTestSupport", "TestServers"],
                    exclude: ["E2B/e2b_test_server.py"]),
        .testTarget(name: "WorkerTests", dependencies: ["AgentCore", "RedisQueue", "Sandboxes", "RedisTestSupport", "TestServers",
                                                        .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "ConsoleTests", dependencies: ["Console", "AgentCore", "Operations", "Sandboxes", "Artifacts", "Redis", "RedisQueue", "RedisTestSupport", "TestServers",
                                                         .product(name: "Logging", package: "swift-log")], exclude: ["Snapshots"]),
        .testTarget(name: "HTTPClientTests", dependencies: ["HTTPClient", "TestServers", "ChildProcess"], exclude: ["http_test_server.py"]),
        .testTarget(name: "SwissagentCLITests", dependencies: ["swissagent", "swissagent-bench", "APIServer", "Redis", "RedisQueue", "AgentCore", "HTTPClient",
                                                              "RedisTestSupport", "TestServers"]),
        .testTarget(name: "APIServerTests", dependencies: ["APIServer", "AgentCore", "HTTPClient", "Artifacts", "TestServers", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "OperationsTests", dependencies: ["Operations", "AgentCore"]),
        .testTarget(name: "ArtifactsTests", dependencies: ["Artifacts", "AgentCore", "Sandboxes", "HTTPClient", "TestServers", "ChildProcess"]),
        .testTarget(name: "ModelClientTests", dependencies: ["ModelClient", "AgentCore", "HTTPClient", "TestServers"]),
    ]
)
