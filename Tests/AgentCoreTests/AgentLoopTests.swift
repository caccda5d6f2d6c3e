import AgentCore
import Foundation
import Testing

/// A chat model that gives scripted replies and keeps what it was sent (a double for the loop's
/// logic; the protocol itself is tested against a server in ModelClientTests).
/// `@unchecked Sendable`: every `var` is only touched while holding `lock`.
final class ScriptedModel: ChatModel, @unchecked Sendable {
    private let lock = NSLock()
    private var replies: [Result<ChatReply, ChatModelError>]
    private(set) var seen: [[ChatMessage]] = []
    private(set) var limits: [Int?] = []

    init(_ replies: [ChatReply]) { self.replies = replies.map { .success($0) } }
    init(results: [Result<ChatReply, ChatModelError>]) { replies = results }

    func complete(_ messages: [ChatMessage], tools: [ToolDefinition], maxTokens: Int?,
                  onText: @escaping @Sendable (String) -> Void) async throws -> ChatReply {
        let next: Result<ChatReply, ChatModelError> = lock.withLock {
            seen.append(messages)
            limits.append(maxTokens)
            return replies.isEmpty ? .success(ChatReply(text: "", toolCalls: [ToolCall(id: "x", name: "shell", arguments: #"{"command":"true"}"#)]))
                : replies.removeFirst()
        }
        let reply = try next.get()
        if !reply.text.isEmpty { onText(reply.text) }
        return reply
    }

    var calls: [[ChatMessage]] { lock.withLock { seen } }
    var maxTokens: [Int?] { lock.withLock { limits } }
}

/// Steps run and transcript entries, kept in order. `@unchecked Sendable`: all access holds `lock`.
final class Log<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [T] = []
    func add(_ item: T) { lock.withLock { items.append(item) } }
    var all: [T] { lock.withLock { items } }
}

@Suite struct AgentLoopTests {
    func call(_ id: String, _ name: String, _ arguments: String) -> ToolCall { ToolCall(id: id, name: name, arguments: arguments) }
    func turn(_ calls: ToolCall..., text: String = "", tokens: Int = 10) -> ChatReply {
        ChatReply(text: text, toolCalls: calls, usage: TokenUsage(input: tokens, output: tokens / 2))
    }

    func run(_ model: ScriptedModel, budget: AgentBudget = AgentBudget(), outputLimit: Int = 16_000,
             observe: @escaping @Sendable (StepSpec) -> AgentObservation = { _ in AgentObservation(exitCode: 0, output: "ok\n") })
        async throws -> (AgentOutcome, [StepSpec], [TranscriptEntry]) {
        let steps = Log<StepSpec>(), transcript = Log<TranscriptEntry>()
        let loop = AgentLoop(model: model, budget: budget, instructions: "Be brief.", outputLimit: outputLimit,
                             price: { Double($0.input + $0.output) / 1000 })
        let outcome = try await loop.run(task: "Count the lines of a file.", step: { spec, willRun in try await willRun(); steps.add(spec); return observe(spec) },
                                         record: { transcript.add($0) })
        return (outcome, steps.all, transcript.all)
    }

    @Test func callsPastAReplysCapAreNotRunAndTheModelIsTold() async throws {
        var capped = turn(call("a", "shell", #"{"command":"ls"}"#), call("b", "shell", #"{"command":"pwd"}"#))
        capped.droppedCalls = 19_998
        let model = ScriptedModel([capped, turn(text: "done")])
        let (outcome, steps, transcript) = try await run(model)
        #expect(outcome.answer == "done" && steps.count == 2)
        let told = try #require(model.calls.last?.last)
        #expect(told.role == .user && told.content.hasPrefix("19998 more tool calls in your last reply were not run: a reply may make at most 2."))
        #expect(transcript.contains { $0.kind == .user && $0.text == told.content })
    }

    @Test func aTaskIsCarriedOutTurnByTurnUntilFinish() async throws {
        let model = ScriptedModel([
            turn(call("c1", "write_file", #"{"path":"n.txt","content":"a\nb\n"}"#), text: "I'll write it first."),
            turn(call("c2", "shell", #"{"command":"wc -l < n.txt"}"#)),
            turn(call("c3", "finish", #"{"answer":"2 lines"}"#)),
        ])
        let (outcome, steps, transcript) = try await run(model) { spec in
            AgentObservation(exitCode: 0, output: spec.tool == "shell" ? "2\n" : "")
        }
        #expect(outcome.answer == "2 lines" && outcome.turns == 3)
        #expect(outcome.usage == TokenUsage(input: 30, output: 15) && abs(outcome.dollars - 0.045) < 1e-9)
        #expect(steps == [StepSpec(tool: "write_file", input: ["path": "n.txt", "content": "a\nb\n"]),
                          StepSpec(tool: "shell", input: ["command": "wc -l < n.txt"])])
        // The third call saw the whole conversation: each call, then its result under its id.
        let last = try #require(model.calls.last)
        #expect(last.map(\.role) == [.system, .user, .assistant, .tool, .assistant, .tool])
        #expect(last[0].content == "Be brief." && last[5].toolCallID == "c2" && last[5].content == "2\n")
        // Each call is marked started before it runs (the journal's write-ahead record).
        #expect(transcript.map(\.kind) == [.system, .user, .modelCall, .assistant, .toolCall, .callStarted, .toolResult, .modelCall, .toolCall,
                                           .callStarted, .toolResult, .modelCall, .toolCall])
        #expect(transcript.filter { $0.kind == .modelCall }.allSatisfy { $0.inputTokens == 10 && ($0.seconds ?? -1) >= 0 })
    }

    @Test func aReplyWithoutToolCallsIsTheAnswer() async throws {
        let (outcome, steps, _) = try await run(ScriptedModel([ChatReply(text: "Nothing to do: it is 42.")]))
        #expect(outcome.answer == "Nothing to do: it is 42." && outcome.turns == 1 && steps.isEmpty)
    }

    @Test func malformedCallsGoBackToTheModelToRepair() async throws {
        let model = ScriptedModel([
            turn(call("c1", "shell", #"{"command": "ls"#)),
            turn(call("c2", "delete_everything", "{}")),
            turn(call("c3", "shell", #"{"command":"ls"}"#)),
            ChatReply(text: "done"),
        ])
        let (outcome, steps, _) = try await run(model)
        #expect(outcome.answer == "done" && steps.count == 1)
        let second = model.calls[1]
        #expect(second.last?.role == .tool && second.last?.toolCallID == "c1")
        #expect(second.last?.content.hasPrefix("error: the arguments of shell are not valid JSON") == true)
        #expect(model.calls[2].last?.content.contains("unknown tool \"delete_everything\"") == true)
    }

    @Test func aModelThatKeepsGettingCallsWrongFailsTheJob() async throws {
        let bad = (0..<4).map { i in turn(call("c\(i)", "shell", "{}")) }
        await #expect(throws: JobFailure("the model's tool calls were malformed 4 turns in a row; the last: shell needs \"command\" (it takes command)",
                                         kind: .permanent)) {
            _ = try await run(ScriptedModel(bad))
        }
    }

    @Test func eachBudgetEndsTheJobSayingWhich() async throws {
        let busy = (0..<10).map { i in turn(call("c\(i)", "shell", #"{"command":"true"}"#), tokens: 100) }
        await #expect(throws: JobFailure("agent used its 3 turns without finishing", kind: .permanent)) {
            _ = try await run(ScriptedModel(busy), budget: AgentBudget(turns: 3))
        }
        await #expect(throws: JobFailure("agent used its 400 tokens without finishing", kind: .permanent)) {
            _ = try await run(ScriptedModel(busy), budget: AgentBudget(tokens: 400))
        }
        await #expect(throws: JobFailure("agent spent its $0.25 without finishing", kind: .permanent)) {
            _ = try await run(ScriptedModel(busy), budget: AgentBudget(dollars: 0.25))
        }
    }

    /// Each reply is capped at what is left of the token budget (and at most `replyTokens`).
    @Test func aReplyMayNotRunPastTheBudget() async throws {
        let model = ScriptedModel([turn(call("c1", "shell", #"{"command":"true"}"#), tokens: 300), turn(text: "done")])
        _ = try await run(model, budget: AgentBudget(tokens: 4_000))
        #expect(model.maxTokens == [4_000, 4_000 - 450])
    }

    /// A server that reports no usage still spends tokens: they are estimated, and the budget holds.
    @Test func tokensAreEstimatedWhenTheServerReportsNone() async throws {
        let quiet = (0..<50).map { i in ChatReply(text: "", toolCalls: [call("c\(i)", "shell", #"{"command":"true"}"#)], usage: nil) }
        let transcript = Log<TranscriptEntry>()
        let loop = AgentLoop(model: ScriptedModel(quiet), budget: AgentBudget(tokens: 2_000), instructions: "Be brief.")
        await #expect(throws: JobFailure("agent used its 2000 tokens without finishing", kind: .permanent)) {
            _ = try await loop.run(task: "Loop.", step: { _, _ in AgentObservation(exitCode: 0, output: "") }, record: { transcript.add($0) })
        }
        let first = try #require(transcript.all.first { $0.kind == .modelCall })
        #expect(first.text == "turn 1 (tokens estimated)" && (first.inputTokens ?? 0) > 100 && (first.outputTokens ?? 0) > 0)
    }

    @Test func aToolsLongOutputAndItsFailureReachTheModelCut() async throws {
        let model = ScriptedModel([turn(call("c1", "shell", #"{"command":"yes | head -c 100000"}"#)), ChatReply(text: "seen")])
        _ = try await run(model, outputLimit: 2000) { _ in
            AgentObservation(exitCode: 3, output: "first line\n" + String(repeating: "y\n", count: 50_000), error: nil)
        }
        let result = try #require(model.calls.last?.last)
        #expect(result.content.utf8.count <= 2000 && result.content.hasPrefix("first line") && result.content.hasSuffix("exit status 3"))
        #expect(result.content.contains("bytes of output cut"))
    }

    @Test func aModelErrorFailsTheJobAsItsKindSays() async throws {
        await #expect(throws: JobFailure(ChatModelError.rejectedKey(endpoint: "m (h)").description, kind: .permanent)) {
            _ = try await run(ScriptedModel(results: [.failure(.rejectedKey(endpoint: "m (h)"))]))
        }
        await #expect(throws: JobFailure(ChatModelError.unavailable(endpoint: "m (h)", why: "HTTP 503").description, kind: .retryable)) {
            _ = try await run(ScriptedModel(results: [.failure(.unavailable(endpoint: "m (h)", why: "HTTP 503"))]))
        }
    }
}
