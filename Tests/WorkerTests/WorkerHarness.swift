import AgentCore
import Foundation
import Logging
import RedisQueue
import RedisTestSupport
import Sandboxes

/// A real worker, in this process, on a test queue, running jobs in the real local sandbox.
struct WorkerHarness {
    let tq: TestQueue
    let worker: Worker
    let task: Task<Void, Never>

    init(_ tq: TestQueue, concurrency: Int = 2, lease: Double = 5, grace: Double = 5, limits: ResourceLimits = ResourceLimits(wallSeconds: 30))
        throws {
        self.tq = tq
        let provider = try LocalSandboxProvider()
        let queue = tq.queue
        var logger = Logger(label: "test.worker")
        logger.logLevel = .warning
        worker = Worker(
            config: WorkerConfig(queues: ["default"], concurrency: concurrency, lease: lease, grace: grace, claimWait: 0.2,
                                 heartbeatInterval: 0.5),
            processor: JobProcessor(supervisor: Supervisor(limits: limits), sandboxes: SingleSandbox(provider), logger: logger),
            queue: queue, slotQueue: { queue.withNewConnection(label: "slot-\($0)") }, logger: logger)
        let w = worker
        task = Task { await w.run() }
    }

    func stop() async {
        worker.shutdown()
        await task.value
    }

    /// Waits until the job reaches one of the states, or the time is up.
    /// Returns as soon as the job is in one of `states`; the generous default is room for a loaded
    /// machine running every suite at once (a 3-step job has taken over 20 s there).
    func wait(for id: String, in states: Set<JobState>, seconds: Double = 60) async throws -> JobRecord? {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if let job = try await tq.queue.job(id: id), states.contains(job.state) { return job }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await tq.queue.job(id: id)
    }
}

func job(_ steps: [StepSpec], maxAttempts: Int = 3) -> JobSpec { JobSpec(steps: steps, maxAttempts: maxAttempts) }

func sh(_ command: String, timeout: Double? = nil) -> StepSpec {
    StepSpec(tool: "shell", input: ["command": .string(command)], timeoutSeconds: timeout)
}
