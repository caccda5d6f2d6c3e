import Foundation

/// An agent run as its stored transcript records it, read back so a later attempt goes on where
/// the last one stopped: the conversation so far (without asking the model for it again), what was
/// spent (budgets count over every attempt), and the calls of the last reply that have no result.
/// The transcript is a write-ahead journal: a reply is stored before any of its calls runs, a call
/// is marked started before it runs, and its result is stored before the next model request.
public struct AgentJournal: Sendable, Equatable {
    /// The messages after the system prompt and the task, as the model saw them.
    public var messages: [ChatMessage] = []
    public var turns = 0
    public var usage = TokenUsage(input: 0, output: 0)
    public var dollars = 0.0
    /// A call of the last reply that has no stored result.
    public struct Unanswered: Sendable, Equatable {
        public var call: ToolCall
        /// It was marked started: it may have had effects.
        public var started: Bool
    }

    /// The last reply's calls that have no stored result, in order.
    public var unanswered: [Unanswered] = []
    /// The last reply ended the run (no calls): its text is the answer.
    public var answer: String?
    /// The tools of the calls that began running on an earlier attempt (marked started), in order.
    public var startedTools: [String] = []
    /// Attempts the journal has seen begin (the first, and each resume).
    public var attempts = 0
    /// Why the journal cannot be resumed from, when it cannot (it was cut at its byte cap).
    public var unusable: String?

    /// Nothing was recorded yet: the run starts from the beginning.
    public var isEmpty: Bool { turns == 0 && messages.isEmpty }

    /// The note that opens a resumed attempt in the transcript.
    static let resumedPrefix = "attempt "

    public init() {}

    /// Reads the journal from `entries`, oldest first.
    public init(_ entries: [TranscriptEntry]) {
        var sawTask = false
        var results = Set<String>(), started = Set<String>()
        var lastCalls: [ToolCall] = []
        for e in entries {
            switch e.kind {
            case .system:
                // A run that began (again) from the start: its conversation begins here; what was
                // spent before still counts. (A fork's copy of its original's start is no attempt of its own.)
                if e.replayed != true { attempts += 1 }
                messages = []
                lastCalls = []
                results = []
                started = []
                sawTask = false
                answer = nil
            case .user:
                // The first is the task (the caller has it); later ones were said to the model, and
                // one after an answer (a fork's message) asks for more: that answer is not the end.
                if sawTask { messages.append(ChatMessage(role: .user, content: e.text)) } else { sawTask = true }
                answer = nil
            case .modelCall:
                turns += 1
                // A fork's copied turns make its conversation longer, but it paid for none of them.
                if e.replayed != true {
                    usage = TokenUsage(input: usage.input + max(0, e.inputTokens ?? 0), output: usage.output + max(0, e.outputTokens ?? 0))
                    dollars += max(0, e.dollars ?? 0)
                }
                // A new reply: its text and calls follow. Call ids count within one reply only (a server
                // that sends none gets call_0, call_1… each turn). A reply with no text and no calls is
                // an (empty) answer.
                messages.append(ChatMessage(role: .assistant, content: ""))
                lastCalls = []
                results = []
                started = []
                answer = ""
            case .assistant:
                guard let i = messages.indices.last, messages[i].role == .assistant else { continue }
                messages[i].content = e.text
                answer = e.text
            case .toolCall:
                guard let i = messages.indices.last, messages[i].role == .assistant else { continue }
                let call = ToolCall(id: e.callID ?? "", name: e.tool ?? "", arguments: e.text)
                messages[i].toolCalls.append(call)
                lastCalls.append(call)
                answer = nil
            case .callStarted:
                if let id = e.callID { started.insert(id) }
                startedTools.append(e.tool ?? "")
            case .toolResult:
                messages.append(ChatMessage(role: .tool, content: e.text, toolCallID: e.callID))
                if let id = e.callID { results.insert(id) }
            case .note:
                if e.text.hasPrefix(Self.resumedPrefix) { attempts += 1 }
                if e.text.hasPrefix("transcript past ") { unusable = "the journal was cut at its byte cap, so the run starts over" }
            }
        }
        // The last reply's calls that have no result wait for the resume; a reply without calls was the answer.
        unanswered = lastCalls.filter { !results.contains($0.id) }.map { Unanswered(call: $0, started: started.contains($0.id)) }
        // A result must follow its call: drop results of calls the journal lost track of.
        messages = Self.wellFormed(messages)
    }

    /// The conversation the model accepts: every tool message answers a call of the assistant
    /// message before it, and every call of an assistant message is answered before the next
    /// assistant message (calls the journal has no result for are answered by the resume).
    static func wellFormed(_ messages: [ChatMessage]) -> [ChatMessage] {
        var out: [ChatMessage] = []
        var open = Set<String>()
        for m in messages {
            switch m.role {
            case .tool:
                guard let id = m.toolCallID, open.remove(id) != nil else { continue }
                out.append(m)
            case .assistant:
                open = Set(m.toolCalls.map(\.id))
                out.append(m)
            default:
                out.append(m)
            }
        }
        return out
    }

    /// Why the attempt before this one ended, from the job's last history event: for the note
    /// that opens a resumed attempt ("after worker w1 stopped: its lease ran out").
    public static func why(_ previous: JobEvent?) -> String? {
        guard let e = previous else { return nil }
        let worker = e.worker.flatMap { $0.isEmpty ? nil : $0 }
        switch e.event {
        case "orphaned": return "worker \(worker ?? "?") stopped (its lease ran out: killed, or stuck)"
        case "released": return "its worker gave it back" + (e.note.map { " (\($0))" } ?? "")
        case "retry_scheduled": return "an error: \(HumanText.oneLine(e.error, max: 200))"
        case "approved", "denied": return "a person \(e.event) the call it waited on" + (e.by.map { " (\($0))" } ?? "")
        case "snoozed": return "the model server asked for a wait"
        case "requeued": return "it was requeued"
        case "promoted": return "its wait ended"
        default: return e.event
        }
    }

    /// What the model is told of a call that started on an earlier attempt and left no result.
    public static func interrupted(_ call: ToolCall) -> String {
        "error: this \(call.name) call started on an earlier attempt, which ended before its result was stored "
            + "(the worker stopped). It was not run again: its effects are unknown. Check what it did before doing it again."
    }
}
