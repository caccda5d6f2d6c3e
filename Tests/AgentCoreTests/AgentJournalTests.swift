import AgentCore
import Foundation
import Testing

/// Resuming an agent run from its journal (the logic; the crash itself is tested with real worker
/// processes in DurableRunTests): no stored turn is asked again, no started call runs again.
@Suite struct AgentJournalTests {
    struct Crash: Error {}

    func call(_ id: String, _ name: String, _ arguments: String) -> ToolCall { ToolCall(id: id, name: name, arguments: arguments) }
    func turn(_ calls: ToolCall..., text: String = "") -> ChatReply {
        ChatReply(text: text, toolCalls: calls, usage: TokenUsage(input: 100, output: 10))
    }

    /// Runs the loop until `crashAt` (a call's id: the attempt dies right after that call started,
    /// before its result), and returns what it recorded and the calls it ran.
    func attempt(_ model: ScriptedModel, journal: AgentJournal? = nil, crashAt: String? = nil,
                 budget: AgentBudget = AgentBudget()) async -> (Result<AgentOutcome, any Error>, [TranscriptEntry], [StepSpec]) {
        let transcript = Log<TranscriptEntry>(), ran = Log<StepSpec>()
        let loop = AgentLoop(model: model, budget: budget, instructions: "Be brief.", price: { Double($0.input + $0.output) / 1e6 })
        let result: Result<AgentOutcome, any Error>
        do {
            result = .success(try await loop.run(task: "Do it.", journal: journal, step: { spec, willRun in
                try await willRun()
                ran.add(spec)
                if let crashAt, transcript.all.last?.callID == crashAt { throw Crash() }
                return AgentObservation(exitCode: 0, output: "done \(spec.input["command"]?.stringValue ?? "")\n")
            }, record: { transcript.add($0) }))
        } catch {
            result = .failure(error)
        }
        return (result, transcript.all, ran.all)
    }

    @Test func aResumedRunAsksNoStoredTurnAgainAndRunsNoStartedCallAgain() async throws {
        let first = ScriptedModel([turn(call("c1", "shell", #"{"command":"one"}"#)), turn(call("c2", "shell", #"{"command":"two"}"#))])
        let (crashed, journal1, ran1) = await attempt(first, crashAt: "c2")
        #expect(throws: Crash.self) { try crashed.get() }
        #expect(ran1.count == 2 && first.calls.count == 2)
        #expect(journal1.map(\.kind).suffix(3) == [.modelCall, .toolCall, .callStarted])

        let journal = AgentJournal(journal1)
        #expect(journal.turns == 2 && journal.usage == TokenUsage(input: 200, output: 20) && journal.attempts == 1)
        #expect(journal.unanswered.map(\.call.id) == ["c2"] && journal.unanswered.map(\.started) == [true])

        let second = ScriptedModel([turn(text: "All done.")])
        let (resumed, journal2, ran2) = await attempt(second, journal: journal)
        #expect(try resumed.get().answer == "All done.")
        #expect(ran2.isEmpty, "c2 had started: its effects are unknown, so it is not run again")
        #expect(second.calls.count == 1, "one request: the stored turns are not asked again")
        let sent = try #require(second.calls.first)
        #expect(sent.map(\.role) == [.system, .user, .assistant, .tool, .assistant, .tool, .user])
        #expect(sent[5].content.contains("was not run again") && sent[5].toolCallID == "c2")
        #expect(sent[6].content.contains("new sandbox"), "the model hears that its workspace did not survive")
        #expect(sent[3].content == "done one\n")
        #expect(journal2.first?.kind == .note && journal2.first?.text.hasPrefix("attempt 2 resumed at turn 3") == true)
        // Budgets count every attempt's turns: three in all.
        #expect(try resumed.get().turns == 3)
    }

    @Test func aCallStoredButNotStartedRunsAndOnlyReadingCallsRunAgain() async throws {
        // The reply was stored, then the attempt died before its calls began.
        let entries = [TranscriptEntry(.system, "Be brief."), TranscriptEntry(.user, "Do it."),
                       TranscriptEntry(.modelCall, "turn 1", inputTokens: 100, outputTokens: 10),
                       TranscriptEntry(.toolCall, #"{"path":"a.txt"}"#, tool: "read_file", callID: "r1"),
                       TranscriptEntry(.callStarted, "", tool: "read_file", callID: "r1"),
                       TranscriptEntry(.toolCall, #"{"command":"two"}"#, tool: "shell", callID: "c2")]
        let journal = AgentJournal(entries)
        #expect(journal.unanswered.map(\.started) == [true, false])
        let model = ScriptedModel([turn(text: "Done.")])
        let (result, recorded, ran) = await attempt(model, journal: journal)
        #expect(try result.get().answer == "Done.")
        #expect(ran.map(\.tool) == ["read_file", "shell"], "reading again is harmless; the shell call never began")
        #expect(recorded.filter { $0.kind == .callStarted }.map(\.callID) == ["r1", "c2"])
    }

    @Test func aStoredAnswerEndsTheRunWithoutAskingAgain() async throws {
        let entries = [TranscriptEntry(.system, "Be brief."), TranscriptEntry(.user, "Do it."),
                       TranscriptEntry(.modelCall, "turn 1", inputTokens: 100, outputTokens: 10), TranscriptEntry(.assistant, "42.")]
        let model = ScriptedModel([])
        let (result, _, _) = await attempt(model, journal: AgentJournal(entries))
        #expect(try result.get().answer == "42." && model.calls.isEmpty)
    }

    @Test func budgetsCountTheTurnsOfEveryAttempt() async throws {
        let first = ScriptedModel([turn(call("c1", "shell", #"{"command":"one"}"#)), turn(call("c2", "shell", #"{"command":"two"}"#))])
        let (_, journal1, _) = await attempt(first, crashAt: "c2")
        let second = ScriptedModel([turn(call("c3", "shell", #"{"command":"three"}"#))])
        let (result, _, _) = await attempt(second, journal: AgentJournal(journal1), budget: AgentBudget(turns: 2))
        #expect(throws: JobFailure.self) { try result.get() }
        #expect(second.calls.isEmpty, "two turns were spent before: none is left")
    }

    @Test func aJournalCutAtItsCapCannotBeResumedFrom() {
        let entries = [TranscriptEntry(.system, "x"), TranscriptEntry(.user, "y"), TranscriptEntry(.note, "transcript past 4194304 bytes is not kept")]
        #expect(AgentJournal(entries).unusable != nil)
    }

    /// A server that sends no call ids gets call_0 each turn: ids count within one reply.
    @Test func callIDsRepeatedAcrossTurnsDoNotHideTheLastTurnsCall() {
        let entries = [TranscriptEntry(.system, "x"), TranscriptEntry(.user, "y"),
                       TranscriptEntry(.modelCall, "turn 1"), TranscriptEntry(.toolCall, "{}", tool: "shell", callID: "call_0"),
                       TranscriptEntry(.callStarted, "", tool: "shell", callID: "call_0"), TranscriptEntry(.toolResult, "ok", tool: "shell", callID: "call_0"),
                       TranscriptEntry(.modelCall, "turn 2"), TranscriptEntry(.toolCall, "{}", tool: "shell", callID: "call_0")]
        let journal = AgentJournal(entries)
        #expect(journal.unanswered.map(\.call.id) == ["call_0"] && journal.unanswered.map(\.started) == [false])
    }

    /// A fork after an answer, with a message: the message asks for more, so the answer is not the end;
    /// an empty final reply is an answer too (not asked again).
    @Test func aMessageAfterAnAnswerGoesOnAndAnEmptyReplyIsAnAnswer() {
        let answered = [TranscriptEntry(.system, "x"), TranscriptEntry(.user, "y"), TranscriptEntry(.modelCall, "turn 1"),
                        TranscriptEntry(.assistant, "Done.")]
        #expect(AgentJournal(answered).answer == "Done.")
        #expect(AgentJournal(answered + [TranscriptEntry(.user, "Now in French.")]).answer == nil)
        #expect(AgentJournal(Array(answered.dropLast())).answer == "")
    }
}
