import AgentCore
import Foundation
import Operations

/// Carries out console actions against the queue; each returns the line the person sees.
public struct ActionRunner: Sendable {
    let queue: any JobQueue
    /// Runs jobs in the console's process, the way a worker runs them (nil: no sandbox here).
    let local: RunHere?
    /// Jobs' files, for saving one (nil: no artifact store named).
    let files: JobFiles?
    /// Where saved files go: the working directory.
    let directory: String

    public init(queue: any JobQueue, local: RunHere?, files: JobFiles? = nil, directory: String = FileManager.default.currentDirectoryPath) {
        self.queue = queue
        self.local = local
        self.files = files
        self.directory = directory
    }

    /// What an action did: the line to show, and maybe a screen to go to or a spec to edit.
    public struct Outcome: Sendable {
        public var message: String
        public var error: Bool
        public var goTo: Screen?
        /// The job and its spec, pretty-printed, for the editor (which needs the terminal, so the UI runs it).
        public var edit: (id: String, spec: String)?
        /// A fork to ask the message of, in the editor, before it is made.
        public var composeFork: (id: String, turn: Int)?

        public init(message: String, error: Bool, goTo: Screen? = nil, edit: (id: String, spec: String)? = nil,
                    composeFork: (id: String, turn: Int)? = nil) {
            self.message = message
            self.error = error
            self.goTo = goTo
            self.edit = edit
            self.composeFork = composeFork
        }
    }

    public func run(_ action: ConsoleAction) async -> Outcome {
        do {
            if case .runLocally(let id) = action {
                guard let local else { return Outcome(message: "running jobs here needs bubblewrap: apt-get install -y bubblewrap", error: true) }
                let start = try await local.start(id)
                guard case .running(let target, _, let agent) = start else { return Outcome(message: start.message, error: true) }
                return Outcome(message: start.message, error: false, goTo: agent ? .transcript(id: target) : .output(id: target))
            }
            if case .editAndRequeue(let id) = action {
                guard let job = try await queue.job(id: id) else { return Outcome(message: "cannot load \(id)", error: true) }
                let pretty = (try? JSONValue.parse(Data(job.specJSON.utf8))).map { $0.prettyJSON() } ?? job.specJSON
                return Outcome(message: "editing \(id)", error: false, edit: (id, pretty))
            }
            if case .composeFork(let id, let turn) = action {
                return Outcome(message: "the message for the fork of \(id) at turn \(turn)", error: false, composeFork: (id, turn))
            }
            if case .fork(let id, let turn, let message) = action {
                let fork = try await JobFork.fork(id, JobFork.Options(turn: turn, message: message), as: .operator, on: queue)
                return Outcome(message: "forked \(id) at turn \(turn) as \(fork.id)", error: false, goTo: .transcript(id: fork.id))
            }
            return Outcome(message: try await perform(action), error: false)
        } catch let e as ActionError {
            return Outcome(message: e.message, error: true)
        } catch let refused as JobSubmission.Refused {
            return Outcome(message: refused.description, error: true)
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
            let ids = try await JobSubmission.submit(specs, as: .operator, to: queue).map(\.id)
            return "submitted \(ids.count) job\(ids.count == 1 ? "" : "s"): \(ids.prefix(3).joined(separator: ", "))"
        case .runLocally:
            return "runs through run(_:)"
        case .editAndRequeue, .composeFork, .fork:
            return "runs through run(_:)"  // an editor needs the terminal: the app suspends the screen for it
        case .queueEdited(let id, let text):
            return try await queueEdited(original: id, specText: text)
        case .saveFile(let id, let path):
            return try await saveFile(id, path)
        case .save(let path, let text, let what):
            do {
                try text.write(toFile: path, atomically: true, encoding: .utf8)
                return "saved \(what) to \(path)"
            } catch {
                throw ActionError("cannot save: \(error.localizedDescription)")
            }
        }
    }

    /// Writes a job's file here as `swissagent-<job>-<name>`, never over an existing file: its name
    /// and bytes are the job's.
    func saveFile(_ id: String, _ path: String) async throws -> String {
        guard let files else { throw ActionError("no artifact store is named (--artifacts)") }
        guard let job = try await queue.job(id: id), let (_, data) = try await files.read(job, path: path) else {
            throw ActionError("\(id) has no file \(Fmt.oneLine(path))")
        }
        let name = String(path.split(separator: "/").last ?? "file").filter { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
        let safeID = String(id.filter { $0.isLetter || $0.isNumber || $0 == "-" }.prefix(40))
        var target = directory + "/swissagent-\(safeID)-\(name.isEmpty ? "file" : name)"
        var n = 1
        while FileManager.default.fileExists(atPath: target) || (try? FileManager.default.destinationOfSymbolicLink(atPath: target)) != nil {
            n += 1
            target = directory + "/swissagent-\(safeID)-\(n)-\(name.isEmpty ? "file" : name)"
        }
        guard FileManager.default.createFile(atPath: target, contents: data, attributes: [.posixPermissions: 0o644]) else {
            throw ActionError("cannot write \(target)")
        }
        return "saved \(Fmt.oneLine(path)) (\(HumanText.bytes(data.count))) to \(target)"
    }

    /// Queues an edited copy of a job; the original keeps its place and history.
    public func queueEdited(original id: String, specText: String) async throws -> String {
        guard let newID = try await JobCopy.enqueue(copyOf: id, specText: specText, on: queue) else { return "\(id) is gone" }
        return "queued the edited copy as \(newID) (the original \(id) is unchanged)"
    }
}

/// An action that could not be done, said as is.
struct ActionError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
