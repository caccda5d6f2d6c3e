import Foundation
import Logging

/// Takes jobs from queues and runs them, `concurrency` at a time. Each slot has its own queue
/// connection (claims block on it); renewals, heartbeats and maintenance share another.
public final class Worker: Sendable {
    public let config: WorkerConfig
    let runner: JobRunner
    let shared: any WorkerQueue & QueueReader
    let makeSlotQueue: @Sendable (Int) -> any WorkerQueue & QueueReader
    let logger: Logger
    let state = WorkerState()
    /// Kills cloud sandboxes whose job is gone (a crashed worker's), every minute.
    let leakReaper: (any LeakReaper)?

    public init(config: WorkerConfig, processor: JobProcessor, queue: any WorkerQueue & QueueReader,
                slotQueue: @escaping @Sendable (Int) -> any WorkerQueue & QueueReader, logger: Logger, leakReaper: (any LeakReaper)? = nil) {
        self.config = config
        self.leakReaper = leakReaper
        runner = JobRunner(processor: processor, worker: config.id, lease: config.lease)
        self.shared = queue
        self.makeSlotQueue = slotQueue
        self.logger = logger
    }

    /// Runs until `shutdown()` and every job has finished (or been given back).
    public func run() async {
        logger.info("worker started", metadata: ["worker": "\(config.id)", "queues": "\(config.queues.joined(separator: ","))",
                                                 "concurrency": "\(config.concurrency)"])
        let background = Task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.renewLoop() }
                group.addTask { await self.heartbeatLoop() }
                group.addTask { await self.maintenanceLoop() }
            }
        }
        await withTaskGroup(of: Void.self) { group in
            for slot in 0..<config.concurrency {
                group.addTask { await self.slotLoop(slot) }
            }
        }
        background.cancel()
        await background.value
        try? await shared.removeWorker(id: config.id)
        logger.info("worker stopped", metadata: ["worker": "\(config.id)"])
    }

    /// Stops taking jobs. Running jobs get `grace` seconds to finish; then they are stopped and go
    /// back to pending, so none is lost.
    public func shutdown(immediately: Bool = false) {
        if immediately {
            logger.warning("worker stopping now: running jobs go back to pending")
            runner.stopAll(.shutdown)
        }
        guard state.beginStopping() else { return }
        logger.info("worker shutting down", metadata: ["grace_s": "\(config.grace)", "running": "\(runner.running.count)"])
        let grace = config.grace
        Task {
            try? await Task.sleep(for: .milliseconds(Int(grace * 1000)))
            self.runner.stopAll(.shutdown)
        }
    }

    public var isStopping: Bool { state.stopping }

    private func slotLoop(_ slot: Int) async {
        let queue = makeSlotQueue(slot)
        let request = ClaimRequest(worker: config.id, lease: config.lease)
        var backoff = Backoff()
        var next: ClaimedJob?
        while true {
            if next == nil {
                if state.stopping { break }
                do {
                    next = try await queue.claim(queues: config.queues, worker: config.id, lease: config.lease, wait: config.claimWait)
                    backoff.reset()
                } catch {
                    let wait = backoff.next()
                    logger.error("cannot claim: \(error); retrying in \(String(format: "%.1f", wait)) s")
                    try? await Task.sleep(for: .milliseconds(Int(wait * 1000)))
                    continue
                }
            }
            guard let job = next else { continue }
            next = nil
            if state.stopping {
                _ = try? await queue.release(job.token, reason: "worker shut down before starting the job")
                break
            }
            next = await runner.run(job, on: queue, next: state.stopping ? nil : request).next
        }
    }

    private func renewLoop() async {
        let logger = logger
        await runner.keepLeases(on: shared, every: config.renewInterval) { logger.error("cannot renew leases: \($0)") }
    }

    private func heartbeatLoop() async {
        let started = Date().timeIntervalSince1970
        while !Task.isCancelled {
            let info = WorkerInfo(id: config.id, host: ProcessInfo.processInfo.hostName, pid: Int(ProcessInfo.processInfo.processIdentifier),
                                  startedAt: started, heartbeatAt: Date().timeIntervalSince1970, queues: config.queues,
                                  concurrency: config.concurrency, currentJobs: runner.running.map(\.token.id))
            var health = "ok\n"
            do { try await shared.heartbeat(info, ttl: config.heartbeatInterval * 3) } catch { health = "no heartbeat: \(error)\n" }
            if let path = config.healthFile {
                do { try Data(health.utf8).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
                    logger.warning("cannot write the health file \(path): \(error)")
                }
            }
            try? await Task.sleep(for: .milliseconds(Int(config.heartbeatInterval * 1000)))
        }
    }

    /// Deletes the files of jobs that are gone (deleted, or trimmed when their retention ran out): the
    /// queue lists their roots as they go, so a job's files expire with it whichever way it went.
    private func sweepArtifacts(queue: String, keepers: any WorkspaceKeepers) async throws {
        let roots = try await shared.takeGoneArtifacts(queue: queue, limit: 20)
        var failed: [String] = []
        for root in roots {
            do { try await keepers.removeAll(root: root) } catch let e as ArtifactStoreError where !e.retryable {
                logger.error("dropped an artifact root the store refuses: \(e)", metadata: ["queue": "\(queue)"])
            } catch {
                failed.append(root)
                logger.warning("cannot delete a gone job's files yet: \(error)", metadata: ["queue": "\(queue)"])
            }
        }
        try await shared.giveBackGoneArtifacts(queue: queue, failed)
    }

    /// Every worker runs the reaper and the promoter; their scripts make that safe.
    private func maintenanceLoop() async {
        var lastTrim = ContinuousClock.now - .seconds(3600)
        while !Task.isCancelled {
            for queue in config.queues {
                do {
                    let reaped = try await shared.reapExpiredLeases(queue: queue)
                    if reaped > 0 { logger.warning("returned \(reaped) orphaned job(s) to pending", metadata: ["queue": "\(queue)"]) }
                    _ = try await shared.promoteDue(queue: queue)
                    if ContinuousClock.now - lastTrim > .seconds(60) { _ = try await shared.trim(queue: queue) }
                    if let keepers = runner.processor.keepers { try await sweepArtifacts(queue: queue, keepers: keepers) }
                } catch {
                    logger.error("maintenance of \(queue) failed: \(error)")
                }
            }
            if ContinuousClock.now - lastTrim > .seconds(60) {
                lastTrim = ContinuousClock.now
                if let leakReaper {
                    let queue = shared
                    do {
                        // A job that has not ended keeps its sandbox (a later attempt connects to it); one
                        // that cannot be read now is kept too, until a sweep that can.
                        let killed = try await leakReaper.reapLeaks { id in
                            do { return try await queue.job(id: id).map { !$0.state.isTerminal } ?? false } catch { return true }
                        }
                        if killed > 0 { logger.warning("killed \(killed) sandbox(es) left behind by jobs that are no longer running") }
                    } catch {
                        logger.error("cannot look for leaked sandboxes: \(error)")
                    }
                }
            }
            try? await Task.sleep(for: .milliseconds(Int(config.maintenanceInterval * 1000)))
        }
    }
}

/// Whether the worker is stopping. `@unchecked Sendable`: `isStopping` is only touched while holding `lock`.
final class WorkerState: @unchecked Sendable {
    private let lock = NSLock()
    private var isStopping = false

    var stopping: Bool { lock.withLock { isStopping } }

    /// True for the first caller only.
    func beginStopping() -> Bool {
        lock.withLock {
            if isStopping { return false }
            isStopping = true
            return true
        }
    }
}

/// 100 ms doubling to 5 s, with jitter: how loops wait out a Redis outage.
struct Backoff {
    private var current = 0.0

    mutating func next() -> Double {
        current = min(max(current * 2, 0.1), 5)
        return current * Double.random(in: 0.75...1)
    }

    mutating func reset() { current = 0 }
}
