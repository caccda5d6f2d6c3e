import AgentCore

/// A new job that starts from the first turns of an agent job's journal and goes on live: the
/// copied turns are not asked of the model again, nor paid for. The CLI's `jobs fork`, the API's
/// `POST /v1/jobs/{id}/fork` and the console's `F` all come here. The original is left as it is.
public enum JobFork {
    /// How the fork differs from the job it is made from.
    public struct Options: Sendable, Equatable {
        /// Turns of the original's journal the fork starts from (0: none, only the task).
        public var turn: Int
        /// Another model endpoint, by name.
        public var model: String?
        /// Added to the system prompt from the fork on.
        public var instructions: String?
        /// A user message said to the model after the copied turns.
        public var message: String?

        public init(turn: Int, model: String? = nil, instructions: String? = nil, message: String? = nil) {
            self.turn = turn
            self.model = model
            self.instructions = instructions
            self.message = message
        }
    }

    /// Bytes of added instructions or message a fork takes.
    public static let maxTextBytes = 64 << 10

    /// Forks the job `id` as `scope` sees it; refused (with a 404's or a 400's words) when the
    /// caller cannot see it, it is no agent run, or the options do not fit it.
    public static func fork(_ id: String, _ options: Options, as scope: TenantScope,
                            on queue: any QueueReader & QueueOperator) async throws -> Enqueued {
        guard let job = try await scope.visibleJob(id, on: queue) else { throw JobSubmission.Refused(outcome: .notFound(id)) }
        guard let original = job.spec, original.steps.isEmpty, original.task != nil else {
            throw JobSubmission.refused("not_forkable", "\(id) is not an agent's run (a task job): there are no turns to fork from")
        }
        if let model = options.model, !JobSpecParser.isValidName(model) {
            throw JobSubmission.refused("invalid_fork", "model: \(JobSpecParser.nameRule)")
        }
        for (name, text) in [("instructions", options.instructions), ("message", options.message)] {
            if let text, text.utf8.count > maxTextBytes || text.isEmpty {
                throw JobSubmission.refused("invalid_fork", "\(name): 1 to \(maxTextBytes) bytes")
            }
        }
        let journal = try await queue.transcript(id: job.id)
        let starts = journal.indices.filter { journal[$0].kind == .modelCall }
        guard (0...starts.count).contains(options.turn) else {
            throw JobSubmission.refused("invalid_fork", "turn: from 0 to \(starts.count) (the turns \(id) has taken)")
        }
        let end = options.turn < starts.count ? starts[options.turn] : journal.count
        var copied = Array(journal[..<end]).filter { $0.kind != .note }
        // A fork goes on from a whole turn: each of its calls answered.
        let pending = AgentJournal(copied).unanswered
        if !pending.isEmpty {
            throw JobSubmission.refused("invalid_fork", "turn \(options.turn)'s calls have no results yet: fork from an earlier turn")
        }
        for i in copied.indices { copied[i].replayed = true }
        let shownID = scope.external(job.id)
        var note = "forked from \(shownID) at turn \(options.turn)"
        if let model = options.model { note += ", on model \(model)" }
        copied.append(TranscriptEntry(.note, note))
        if let message = options.message { copied.append(TranscriptEntry(.user, message)) }

        var spec = original
        spec.id = nil
        spec.runAt = nil
        if let model = options.model { spec.model = model }
        if let extra = options.instructions { spec.instructions = [spec.instructions, extra].compactMap { $0 }.joined(separator: "\n\n") }
        spec.metadata["forked_from"] = ["job": .string(shownID), "turn": .number(Double(options.turn))]
        let ready = try JobSubmission.prepare([spec], as: scope)[0]
        let entry = try await queue.enqueue(ready, journal: copied)
        return Enqueued(id: scope.external(entry.id), created: entry.created)
    }
}
