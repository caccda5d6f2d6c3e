import AgentCore
import Foundation
import Logging
import Operations
import RedisQueue
import Sandboxes

/// Carries out console actions against the queue; each returns the line the person sees.
public struct ActionRunner: Sendable {
    let queue: RedisJobQueue
    let local: LocalRunner?

    public init(queue: RedisJobQueue, local: LocalRunner?) {
        self.queue = queue
        self.local = local
    }

    /// What an action did: the line to show, and maybe a screen to go to or a spec to edit.
    public struct Outcome: Sendable {
        public var message: String
        public var error: Bool
        public var goTo: Screen?
        /// The job and its spec, pretty-printed, for the editor (which needs the terminal, so the UI runs it).
        public var edit: (id: String, spec: String)?

        public init(message: String, error: Bool, goTo: Screen? = nil, edit: (id: String, spec: String)? = nil) {
            self.message = message
            self.error = error
            self.goTo = goTo
            self.edit = edit
        }
    }

    public func run(_ action: ConsoleAction) async -> Outcome {
        do {
            if case .runLocally(let id) = action {
                guard let local else { return Outcome(message: "running jobs here needs bubblewrap: apt-get install -y bubblewrap", error: true) }
                let (message, target) = try await local.start(id)
                return Outcome(message: message, error: target == nil, goTo: target)
            }
            if case .editAndRequeue(let id) = action {
                guard let job = try await queue.job(id: id) else { return Outcome(message: "cannot load \(id)", error: true) }
                let pretty = (try? JSONValue.parse(Data(job.specJSON.utf8))).map(DetailView.prettyJSON) ?? job.specJSON
                return Outcome(message: "editing \(id)", error: false, edit: (id, pretty))
            }
            return Outcome(message: try await perform(action), error: false)
        } catch let e as ActionError {
            return Outcome(message: e.message, error: true)
        } catch {
            return Outcome(message: "failed: \(error)", error: true)
        }
    }

    func perform(_ action: ConsoleAction) async throws -> String {
        switch action {
        case .requeue(let ids):
            var outcomes: [ActionOutcome] = []
            for id in ids { outcomes.append(try await queue.requeue(id: id).outcome(id)) }
            return BatchSummary.line("requeued", outcomes)
        case .requeueMatching(let q, let filter):
            let n = try await queue.requeueFailed(queue: q, filter: JobFilter(query: filter, regex: true))
            return "requeued \(n) failed job\(n == 1 ? "" : "s")"
        case .cancel(let id):
            return try await queue.cancel(id: id).outcome(id).message
        case .delete(let ids):
            var outcomes: [ActionOutcome] = []
            for id in ids { outcomes.append(try await queue.delete(id: id).outcome(id)) }
            return BatchSummary.line("deleted", outcomes)
        case .approve(let id, let call), .deny(let id, let call, _):
            var reason: String?
            if case .deny(_, _, let why) = action { reason = why }
            let outcome = try await ApprovalActions.decide(queue, id: id, approve: reason == nil, reason: reason,
                                                           by: ApprovalActions.person(surface: "console"), call: call)
            guard outcome.done else { throw ActionError(outcome.message) }
            return outcome.message
        case .pause(let q):
            try await queue.setPaused(queue: q, true)
            return "paused \(q)"
        case .resume(let q):
            try await queue.setPaused(queue: q, false)
            return "resumed \(q)"
        case .submit(let path):
            guard let data = FileManager.default.contents(atPath: (path as NSString).expandingTildeInPath) else {
                return "cannot read \(path)"
            }
            let specs: [JobSpec]
            do { specs = try JobBatch.parse(data) } catch { return error.description }
            let ids = try await queue.enqueue(batch: specs)
            return "submitted \(ids.count) job\(ids.count == 1 ? "" : "s"): \(ids.prefix(3).joined(separator: ", "))"
        case .runLocally:
            return "runs through run(_:)"
        case .editAndRequeue:
            return "edit runs in the terminal"  // the app suspends the screen for the editor
        case .queueEdited(let id, let text):
            return try await queueEdited(original: id, specText: text)
        case .save(let path, let text, let what):
            do {
                try text.write(toFile: path, atomically: true, encoding: .utf8)
                return "saved \(what) to \(path)"
            } catch {
                throw ActionError("cannot save: \(error.localizedDescription)")
            }
        }
    }

    /// Queues an edited copy of a job; the original keeps its place and history.
    public func queueEdited(original id: String, specText: String) async throws -> String {
        guard let newID = try await JobCopy.enqueue(copyOf: id, specText: specText, on: queue) else { return "\(id) is gone" }
        return "queued the edited copy as \(newID) (the original \(id) is unchanged)"
    }
}

/// Runs jobs inside the console process with the same worker library and the local sandbox, so a
/// developer can watch one run step by step.
public final class LocalRunner: Sendable {
    let queue: RedisJobQueue
    let processor: JobProcessor
    let worker: String
    let lease: Double = 30

    /// `agents`: the model endpoints a task job run here talks to (none: such a job fails, saying so).
    public init(queue: RedisJobQueue, provider: LocalSandboxProvider, agents: (any AgentSource)? = nil) {
        self.queue = queue
        var logger = Logger(label: "swissagent.console.local")
        logger.logLevel = .critical
        let router: ToolRouter = LocalSandboxProvider.browserInstalled ? .withBrowser : ToolRouter()
        processor = JobProcessor(supervisor: Supervisor(router: router), sandboxes: SingleSandbox(provider), logger: logger, agents: agents)
        worker = "console@" + ProcessInfo.processInfo.hostName + ":" + String(ProcessInfo.processInfo.processIdentifier)
    }

    /// Claims the job (a pending one), or a copy of it (anything else), and runs it in the background.
    /// A copy is stored already claimed by this console, so a live worker cannot take it first.
    /// Returns the message and the screen that follows the job that runs (a task job's transcript,
    /// any other job's output), or nil when it could not run.
    public func start(_ id: String) async throws -> (String, Screen?) {
        var target = id
        var claimed = try await queue.claim(id: id, worker: worker, lease: lease)
        if claimed == nil {
            guard let record = try await queue.job(id: id) else { return ("\(id) is gone", nil) }
            guard record.state != .active else { return ("\(id) is running on \(record.worker ?? "a worker")", nil) }
            claimed = try await queue.enqueueClaimed(JobCopy.spec(record.specJSON, of: id), worker: worker, lease: lease)
            target = claimed?.id ?? target
        }
        guard let job = claimed else { return ("could not take \(target): another worker took it first", nil) }
        let control = JobControl(token: job.token)
        let processor = processor, queue = queue, lease = lease, worker = worker
        Task.detached {
            let renew = Task { await LeaseRenewal.keep(control, on: queue, worker: worker, lease: lease, every: lease / 3) }
            _ = await processor.process(job, queue: queue, control: control, next: nil)
            renew.cancel()
        }
        let task = SpecDigest(json: job.specJSON).task != nil
        return (target == id ? "running \(id) here" : "running \(target) here, a copy of \(id)",
                task ? .transcript(id: target) : .output(id: target))
    }
}

/// An action that could not be done, said as is.
struct ActionError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
