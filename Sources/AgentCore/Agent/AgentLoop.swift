import Foundation

/// What an agent job may spend before it fails for good.
public struct AgentBudget: Sendable, Equatable {
    public var turns: Int
    public var tokens: Int
    public var dollars: Double

    public init(turns: Int = 20, tokens: Int = 200_000, dollars: Double = 1.0) {
        self.turns = turns
        self.tokens = tokens
        self.dollars = dollars
    }

    /// One of the budgets.
    public enum Limit: String, Sendable, CaseIterable {
        case turns, tokens, dollars
    }

    /// How a job that ran out of `limit` fails: the words a reader (the failed list) finds it by.
    public func exhausted(_ limit: Limit) -> String {
        switch limit {
        case .turns: "agent used its \(turns) turns without finishing"
        case .tokens: "agent used its \(tokens) tokens without finishing"
        case .dollars: "agent spent its $\(String(format: "%.2f", dollars)) without finishing"
        }
    }

    /// Which budget a job's error says ran out, if one did.
    public static func exhausted(in error: String?) -> Limit? {
        guard let error, error.hasPrefix("agent "), error.hasSuffix(" without finishing") else { return nil }
        if error.hasPrefix("agent spent its $") { return .dollars }
        if error.hasSuffix(" turns without finishing") { return .turns }
        if error.hasSuffix(" tokens without finishing") { return .tokens }
        return nil
    }
}

/// What running one tool call gave back, for the model.
public struct AgentObservation: Sendable, Equatable {
    public var exitCode: Int32
    public var output: String
    /// Why the step failed (a limit, a bad path), when it did.
    public var error: String?

    public init(exitCode: Int32, output: String, error: String? = nil) {
        self.exitCode = exitCode
        self.output = output
        self.error = error
    }
}

/// How an agent run ended well.
public struct AgentOutcome: Sendable, Equatable {
    public var answer: String
    public var turns: Int
    public var usage: TokenUsage
    public var dollars: Double
}

/// The agent: asks the model for the next tool calls after each observation, runs each as a step,
/// and ends with the model's answer (a reply without tool calls, or `finish`), or fails for good when
/// a budget runs out or the model keeps making malformed calls.
public struct AgentLoop: Sendable {
    public var model: any ChatModel
    public var router: ToolRouter
    public var budget: AgentBudget
    /// The system prompt: the worker's instructions, then the job's.
    public var instructions: String
    /// Bytes of a tool's output the model gets back (head and tail kept).
    public var outputLimit: Int
    /// Turns in a row whose every call was malformed, before the job fails.
    public var maxRepairs: Int
    /// What a reply's tokens cost at this endpoint.
    public var price: @Sendable (TokenUsage) -> Double
    /// The endpoint's name, as usage and metrics are counted under it.
    public var modelName: String
    /// Tokens one reply may have at most.
    public var replyTokens = 4_096

    public init(model: any ChatModel, modelName: String = "default", router: ToolRouter = ToolRouter(), budget: AgentBudget = AgentBudget(),
                instructions: String, outputLimit: Int = 16_000, maxRepairs: Int = 3,
                price: @escaping @Sendable (TokenUsage) -> Double = { _ in 0 }) {
        self.model = model
        self.modelName = modelName
        self.router = router
        self.budget = budget
        self.instructions = instructions
        self.outputLimit = outputLimit
        self.maxRepairs = maxRepairs
        self.price = price
    }

    /// Runs the task. `step` runs one tool call in the job's sandbox session, calling its second
    /// argument right before the tool runs (after any approval); `record` is told every
    /// transcript entry as it happens; `checkpoint` returns once every entry told so far is stored
    /// (the journal's write-ahead points: a reply before its calls run, a call's start before it
    /// runs, its result before the next model request); `text` gets the model's words as they
    /// stream (each reply's words end with a newline, so what follows starts a line of its own).
    /// With a `journal` of an earlier attempt, the run goes on from there: no turn it holds is asked
    /// of the model again, and no call that had started runs again unless its tool only reads.
    /// `previous`: the job's last history event before this attempt, said in the resumed-attempt note.
    /// `workspace` keeps the sandbox's files: saved after every turn that changed them, and put back
    /// as they were after the turn a resumed run (or a fork) goes on from.
    public func run(task: String, journal: AgentJournal? = nil, previous: JobEvent? = nil, workspace: (any WorkspaceKeeping)? = nil,
                    step: @Sendable (StepSpec, _ willRun: @Sendable () async throws -> Void) async throws -> AgentObservation,
                    record: @escaping @Sendable (TranscriptEntry) async -> Void, checkpoint: @escaping @Sendable () async throws -> Void = {},
                    text: @escaping @Sendable (String) -> Void = { _ in }) async throws -> AgentOutcome {
        var messages = [ChatMessage(role: .system, content: instructions), ChatMessage(role: .user, content: task)]
        let tools = ToolCalls.definitions(router)
        var turns = 0, usage = TokenUsage(input: 0, output: 0), dollars = 0.0, badTurns = 0
        func outcome(_ answer: String) -> AgentOutcome { AgentOutcome(answer: answer, turns: turns, usage: usage, dollars: dollars) }

        /// Answers a reply's calls in order; returns the answer when one of them is `finish`.
        /// `started`: calls an earlier attempt began (not run again, unless their tool only reads).
        func answer(_ calls: [ToolCall], started: Set<String> = []) async throws -> String? {
            var mistakes: [String] = []
            for call in calls {
                let result: String
                var malformed: Bool?
                switch ToolCalls.read(call, router: router) {
                case .finish(let answer):
                    return answer
                case .mistake(let why):
                    mistakes.append(why)
                    malformed = true
                    result = "error: \(why)"
                case .step(let spec) where started.contains(call.id) && !router.onlyReads(spec.tool):
                    result = AgentJournal.interrupted(call)
                case .step(let spec):
                    let seen = try await step(spec) {
                        // Its start is stored before it runs, with the reply before it (one round trip): a
                        // later attempt knows it may have had effects. (A call that waits for a person
                        // has everything before it stored first: see `Supervisor.approve`.)
                        await record(TranscriptEntry(.callStarted, "", tool: call.name, callID: call.id))
                        try await checkpoint()
                    }
                    var said = seen.output
                    if let error = seen.error { said += (said.isEmpty || said.hasSuffix("\n") ? "" : "\n") + "error: \(error)" }
                    if seen.exitCode != 0 { said += (said.isEmpty || said.hasSuffix("\n") ? "" : "\n") + "exit status \(seen.exitCode)" }
                    result = ToolCalls.cut(said, limit: outputLimit)
                }
                messages.append(ChatMessage(role: .tool, content: result, toolCallID: call.id))
                await record(TranscriptEntry(.toolResult, result, tool: call.name, callID: call.id, malformed: malformed))
            }
            badTurns = !calls.isEmpty && mistakes.count == calls.count ? badTurns + 1 : 0
            if badTurns > maxRepairs {
                throw JobFailure("the model's tool calls were malformed \(badTurns) turns in a row; the last: \(mistakes.last ?? "")",
                                 kind: .permanent)
            }
            return nil
        }

        if let journal, !journal.isEmpty {
            messages += journal.messages
            turns = journal.turns
            usage = journal.usage
            dollars = journal.dollars
            let interrupted = journal.unanswered.filter { $0.started && !router.onlyReads($0.call.name) }.map(\.call)
            var note = "\(AgentJournal.resumedPrefix)\(journal.attempts + 1) resumed at turn \(turns + 1) from the journal"
            if let why = AgentJournal.why(previous) { note += " after " + why }
            if !interrupted.isEmpty {
                note += "; " + interrupted.map { "the \($0.name) call" }.joined(separator: ", ") + " had started and was interrupted"
            }
            await record(TranscriptEntry(.note, note))
            if journal.unanswered.isEmpty, let answer = journal.answer { return outcome(answer) }
            // The files as they were after the turn this run goes on from, before any call runs again.
            let restored = try await workspace?.restore(turn: turns)
            if let restored { await record(TranscriptEntry(.note, "workspace restored from the checkpoint after turn \(restored.turn)")) }
            if let done = try await answer(journal.unanswered.map(\.call), started: Set(journal.unanswered.filter(\.started).map(\.call.id))) {
                return outcome(done)
            }
            try await workspace?.save(turn: turns)
            // This attempt has a sandbox of its own. What it holds is said plainly (after the last
            // reply's results: a tool's result follows the call it answers).
            if journal.startedTools.contains(where: { !router.onlyReads($0) }) {
                let said = "Note from the worker: this run was interrupted" + (restored?.sameSandbox == true ? ". " : " and goes on in a new sandbox. ") + (restored.map(\.note)
                    ?? (workspace == nil ? "Files your earlier calls wrote, and programs they started, are not there any more; do again what you still need."
                        : "No files from earlier turns were kept (the workspace was empty); programs earlier calls started are not running any more."))
                messages.append(ChatMessage(role: .user, content: said))
                await record(TranscriptEntry(.user, said))
            }
        } else {
            await record(TranscriptEntry(.system, instructions))
            await record(TranscriptEntry(.user, task))
        }
        while true {
            if turns >= budget.turns { throw JobFailure(budget.exhausted(.turns), kind: .permanent) }
            if usage.input + usage.output > budget.tokens { throw JobFailure(budget.exhausted(.tokens), kind: .permanent) }
            if dollars > budget.dollars { throw JobFailure(budget.exhausted(.dollars), kind: .permanent) }
            // Every result is stored before the model hears of it.
            try await checkpoint()
            turns += 1
            let started = ContinuousClock.now
            let reply: ChatReply
            do {
                // A reply may not run past what is left of the budget (nor past `replyTokens`): a model
                // that rambles to the end of its context is stopped by the server, not paid for.
                let left = max(1, budget.tokens - usage.input - usage.output)
                reply = try await model.complete(messages, tools: tools, maxTokens: min(left, replyTokens), onText: text)
            } catch let e as ChatModelError {
                // Asked to wait longer than a slot is held: the job waits as scheduled, holding none.
                if case .rateLimited(_, let after?) = e, after > 0 {
                    throw JobSnoozed(until: Date().timeIntervalSince1970 + after, reason: e.description)
                }
                throw JobFailure(e.description, kind: e.retryable ? .retryable : .permanent)
            }
            let seconds = (ContinuousClock.now - started).seconds
            if !reply.text.isEmpty && !reply.text.hasSuffix("\n") { text("\n") }
            // A server that reports no usage still spends tokens: estimate them, so the budget holds.
            let used = reply.usage ?? Self.estimate(messages, tools: tools, reply: reply)
            usage = TokenUsage(input: usage.input + used.input, output: usage.output + used.output)
            let cost = price(used)
            dollars += cost
            let call = "turn \(turns)" + (reply.usage == nil ? " (tokens estimated)" : "")
            await record(TranscriptEntry(.modelCall, call, inputTokens: used.input, outputTokens: used.output, dollars: cost, seconds: seconds))
            messages.append(ChatMessage(role: .assistant, content: reply.text, toolCalls: reply.toolCalls))
            if !reply.text.isEmpty { await record(TranscriptEntry(.assistant, reply.text)) }
            for call in reply.toolCalls { await record(TranscriptEntry(.toolCall, call.arguments, tool: call.name, callID: call.id)) }
            if usage.input + usage.output > budget.tokens {
                throw JobFailure(budget.exhausted(.tokens), kind: .permanent)
            }
            if dollars > budget.dollars {
                throw JobFailure(budget.exhausted(.dollars), kind: .permanent)
            }
            if reply.toolCalls.isEmpty { return outcome(reply.text) }
            if let done = try await answer(reply.toolCalls) { return outcome(done) }
            // Before the results are stored (the next write-ahead point): a journal that holds this
            // turn always has the workspace that goes with it.
            try await workspace?.save(turn: turns)
            if reply.droppedCalls > 0 {
                // Calls past the endpoint's cap never ran: the model hears so, rather than waiting on results.
                let note = "\(reply.droppedCalls) more tool call\(reply.droppedCalls == 1 ? "" : "s") in your last reply "
                    + "\(reply.droppedCalls == 1 ? "was" : "were") not run: a reply may make at most \(reply.toolCalls.count). Make fewer calls per reply."
                messages.append(ChatMessage(role: .user, content: note))
                await record(TranscriptEntry(.user, note))
            }
        }
    }

    /// About four bytes a token, for a server that reports no usage.
    static func estimate(_ messages: [ChatMessage], tools: [ToolDefinition], reply: ChatReply) -> TokenUsage {
        let sent = messages.reduce(0) { $0 + $1.content.utf8.count + $1.toolCalls.reduce(0) { $0 + $1.arguments.utf8.count + $1.name.utf8.count } }
            + tools.reduce(0) { $0 + $1.description.utf8.count + JSONWriter.write($1.parameters).count }
        let got = reply.text.utf8.count + reply.toolCalls.reduce(0) { $0 + $1.arguments.utf8.count + $1.name.utf8.count }
        return TokenUsage(input: (sent + 3) / 4, output: (got + 3) / 4)
    }
}
