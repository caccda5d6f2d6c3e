import Foundation

/// One entry of an agent's transcript: every message as the model saw it, and each model call
/// with its tokens, cost and latency. Stored with the job, and sent as a typed event (`agent`) in
/// its output stream as it happens.
public struct TranscriptEntry: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        case system, user, assistant, toolCall = "tool_call", toolResult = "tool_result", modelCall = "model_call"
        /// The worker's own note (the transcript's byte cap was reached, an attempt resumed).
        case note
        /// A call about to run, stored before it runs: a later attempt knows it may have had effects.
        case callStarted = "call_started"
    }

    public var kind: Kind
    public var text: String
    public var tool: String?
    public var callID: String?
    public var inputTokens: Int?
    public var outputTokens: Int?
    public var dollars: Double?
    public var seconds: Double?
    /// When it happened (unix seconds), stamped by the worker.
    public var at: Double?
    /// A tool result that answers a malformed call (no step ran): the model is asked to repair it.
    public var malformed: Bool?
    /// Copied from the job a fork was made from: not asked of the model, nor paid for, by this job.
    public var replayed: Bool?

    public init(_ kind: Kind, _ text: String, tool: String? = nil, callID: String? = nil, inputTokens: Int? = nil, outputTokens: Int? = nil,
                dollars: Double? = nil, seconds: Double? = nil, at: Double? = nil, malformed: Bool? = nil) {
        self.kind = kind
        self.text = text
        self.tool = tool
        self.callID = callID
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.dollars = dollars
        self.seconds = seconds
        self.at = at
        self.malformed = malformed
    }

    enum CodingKeys: String, CodingKey {
        case kind, text, tool, seconds, dollars, at, malformed, replayed
        case callID = "call_id", inputTokens = "input_tokens", outputTokens = "output_tokens"
    }

    /// The entry as one JSON object, its text cut to `limit` bytes (head and tail kept).
    public func json(limit: Int = .max) -> String {
        var e = self
        if e.text.utf8.count > limit { e.text = ToolCalls.cut(e.text, limit: limit) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(e)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// Reads an entry back; nil for anything that is not one (a stored record may be garbage).
    public static func decode(_ text: String) -> TranscriptEntry? {
        try? JSONDecoder().decode(TranscriptEntry.self, from: Data(text.utf8))
    }

    /// The entry as a person watching the job reads it: one line (or none, for what they already saw).
    /// The model's words are not repeated here: they stream as `model` output while it writes them.
    public var line: String {
        switch kind {
        case .system, .assistant, .callStarted: return ""
        case .toolResult:
            // What the call printed is already in the output; what went wrong is not.
            let problems = text.split(separator: "\n").filter { $0.hasPrefix("error: ") || $0.hasPrefix("exit status ") }
            return problems.isEmpty ? "" : "agent gets back " + HumanText.oneLine(problems.joined(separator: "; "), max: 300) + "\n"
        case .user: return "agent task: " + HumanText.oneLine(text, max: 200) + "\n"
        case .note: return text + "\n"
        case .toolCall: return "agent calls \(tool ?? "?") " + HumanText.oneLine(text, max: 300) + "\n"
        case .modelCall:
            var s = "agent \(text): \(inputTokens ?? 0) tokens in, \(outputTokens ?? 0) out, \(String(format: "%.2f", seconds ?? 0)) s"
            if let dollars, dollars > 0 { s += String(format: ", $%.4f", dollars) }
            return s + "\n"
        }
    }
}

/// What an agent job has used, over all its attempts: kept on the job, read back checked.
public struct AgentUsage: Sendable, Equatable {
    /// The model endpoint's name.
    public var model: String
    public var turns: Int
    public var inputTokens: Int
    public var outputTokens: Int
    public var dollars: Double

    public init(model: String, turns: Int = 0, inputTokens: Int = 0, outputTokens: Int = 0, dollars: Double = 0) {
        self.model = model
        self.turns = turns
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.dollars = dollars
    }

    /// Adds one model call (a `model_call` entry) to the totals.
    public mutating func add(_ call: TranscriptEntry) {
        guard call.kind == .modelCall else { return }
        turns += 1
        inputTokens += call.inputTokens ?? 0
        outputTokens += call.outputTokens ?? 0
        dollars += ((call.dollars ?? 0) * 1e6).rounded() / 1e6
    }
}

extension OutputEvent {
    /// The event as a reader shows it: an `agent` event's line, anything else's text as it is.
    public var shown: String {
        stream == .agent ? (TranscriptEntry.decode(text)?.line ?? "") : text
    }
}
