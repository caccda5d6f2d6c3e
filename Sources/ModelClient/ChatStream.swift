import AgentCore
import Foundation

/// Splits a Server-Sent Events byte stream into its events' `data`, however the bytes are chunked
/// (a line, or a character, may arrive in pieces).
struct EventStreamParser {
    private var line: [UInt8] = []
    private var data: [String] = []

    /// The data of every event the bytes completed.
    mutating func feed(_ bytes: Data) -> [String] {
        var events: [String] = []
        for b in bytes {
            if b != UInt8(ascii: "\n") { line.append(b); continue }
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            let text = String(decoding: line, as: UTF8.self)
            line.removeAll(keepingCapacity: true)
            if text.isEmpty {
                if !data.isEmpty { events.append(data.joined(separator: "\n")) }
                data = []
            } else if text.hasPrefix("data:") {
                var value = text.dropFirst(5)
                if value.first == " " { value = value.dropFirst() }
                data.append(String(value))
            }
            // Comments (":") and other fields (event:, id:, retry:) carry nothing a reply needs.
        }
        return events
    }

    /// What was left when the stream ended (an event without its blank line).
    mutating func finish() -> [String] {
        var events = feed(Data("\n\n".utf8))
        if !data.isEmpty { events.append(data.joined(separator: "\n")) }
        return events
    }
}

/// Builds a reply from `chat.completion.chunk` events: text deltas in order, tool calls joined per
/// `index` (the id and name come in a call's first fragment, the arguments in pieces), the usage
/// in a last chunk, then `[DONE]`.
struct ChatChunkAssembler {
    private(set) var text = ""
    private var calls: [Int: (id: String, name: String, arguments: String)] = [:]
    private(set) var usage: TokenUsage?
    private(set) var finishReason: String?
    private(set) var done = false

    /// Adds one event's data; returns the text it added.
    mutating func add(_ payload: String) throws(ChatWireError) -> String {
        if payload.trimmingCharacters(in: .whitespaces) == "[DONE]" {
            done = true
            return ""
        }
        guard let v = try? JSONValue.parse(Data(payload.utf8)) else { throw ChatWireError("a stream event is not JSON: \(payload.prefix(200))") }
        if let error = v["error"] { throw ChatWireError("the stream carried an error: \(error["message"]?.stringValue ?? error.jsonString())") }
        if let u = ChatWire.usage(v["usage"]) { usage = u }
        guard let choice = v["choices"]?.arrayValue?.first else { return "" }
        if let reason = choice["finish_reason"]?.stringValue { finishReason = reason }
        let delta = choice["delta"] ?? choice["message"]
        for (position, fragment) in (delta?["tool_calls"]?.arrayValue ?? []).enumerated() {
            let index = fragment["index"]?.numberValue.flatMap { $0 >= 0 && $0 < 1000 ? Int($0) : nil } ?? position
            var call = calls[index] ?? (id: "", name: "", arguments: "")
            if let id = fragment["id"]?.stringValue, !id.isEmpty { call.id = id }
            if let name = fragment["function"]?["name"]?.stringValue { call.name += name }
            if let arguments = fragment["function"]?["arguments"] {
                call.arguments += arguments.stringValue ?? arguments.jsonString()
            }
            calls[index] = call
        }
        let added = delta?["content"]?.stringValue ?? ""
        text += added
        return added
    }

    /// Whether the reply is whole: `[DONE]` came, or at least a finish reason.
    var complete: Bool { done || finishReason != nil }

    var reply: ChatReply {
        let ordered = calls.sorted { $0.key < $1.key }.map { index, c in
            ToolCall(id: c.id.isEmpty ? "call_\(index)" : c.id, name: c.name, arguments: c.arguments.isEmpty ? "{}" : c.arguments)
        }
        return ChatReply(text: text, toolCalls: ordered, usage: usage, finishReason: finishReason)
    }
}
