import AgentCore
import ArgumentParser
import CommandOptions
import Dispatch
import Foundation
import Logging
import Redis
import RedisQueue
import Sandboxes

struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Take jobs from the queues and run them in the local sandbox.",
        discussion: "SIGTERM or SIGINT stops taking jobs; running jobs get --grace seconds to finish, then go back to pending. "
            + "A second signal gives them back at once.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var sandbox: SandboxOptions
    @OptionGroup var models: ModelOptions
    @OptionGroup(title: "Approvals") var approvals: ApprovalOptions

    @Option(name: .customLong("queue"), help: "A queue to take jobs from, in priority order (repeat for several).")
    var queues: [String] = ["default"]

    @Option(help: "Jobs run at once.")
    var concurrency = 4

    @Option(help: "Seconds a job stays claimed without renewal; a dead worker's jobs come back after this.")
    var lease: Double = 30

    @Option(help: "Seconds running jobs get to finish on shutdown.")
    var grace: Double = 25

    @Option(help: "A file rewritten at every heartbeat (5 s) with \"ok\", or why not: for liveness and readiness probes.")
    var healthFile: String?

    @Option(help: "Output kept in Redis per job, in MB, over all its attempts; the rest is dropped and the stream says how much.")
    var storedOutputMb = RedisJobQueue.defaultOutputMaxBytes >> 20

    @Option(help: "Log format: text or json.")
    var logFormat: LogFormat = .text

    func validate() throws {
        guard (1...256).contains(concurrency) else { throw ValidationError("--concurrency must be 1...256") }
        guard lease > 0 else { throw ValidationError("--lease must be positive") }
        guard grace >= 0 else { throw ValidationError("--grace cannot be negative") }
        guard (1...1024).contains(storedOutputMb) else { throw ValidationError("--stored-output-mb must be 1...1024") }
    }

    func run() async throws {
        logFormat.bootstrap()
        let logger = Logger(label: "swissagent.worker")
        // Sandboxes are tagged with the key prefix: a deployment's workers reap only their own leaks.
        let config = try global.redisConfig()
        // Fenced off from networked steps: the URL's hosts and every Redis server found since.
        let named = config.hosts
        let router = try await sandbox.makeRouter(owner: global.prefix, blockedHosts: { named + RedisHostsSeen.hosts })
        let queue = RedisJobQueue(client: RedisClient(config, label: "worker"), prefix: global.prefix, outputMaxBytes: storedOutputMb << 20,
                                  onInvalidRecord: { logger.error("moved to failed: \($0)") })
        let workerConfig = WorkerConfig(queues: queues, concurrency: concurrency, lease: lease, grace: grace, healthFile: healthFile)
        let worker = Worker(
            config: workerConfig,
            processor: try sandbox.makeProcessor(router: router, models: models, approvals: approvals, logger: logger,
                                                 artifacts: try global.makeArtifacts()),
            queue: queue, slotQueue: { queue.withNewConnection(label: "worker-slot-\($0)") }, logger: logger,
            leakReaper: router.e2b as? any LeakReaper)
        let signals = SignalWatcher([SIGTERM, SIGINT]) { _ in worker.shutdown(immediately: worker.isStopping) }
        await worker.run()
        signals.cancel()
    }
}

/// Turns signals into a callback on a dispatch queue (never in a signal handler).
/// `@unchecked Sendable`: `sources` is set once in init and only cancelled afterwards, which dispatch allows from any thread.
final class SignalWatcher: @unchecked Sendable {
    private let sources: [any DispatchSourceSignal]

    init(_ signals: [Int32], handler: @escaping @Sendable (Int32) -> Void) {
        sources = signals.map { sig in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { handler(sig) }
            source.resume()
            return source
        }
    }

    func cancel() { for s in sources { s.cancel() } }
}
