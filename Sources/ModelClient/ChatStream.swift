import AgentCore
import Foundation

/// Splits a Server-Sent Events byte stream into its events' `data`, however the bytes are chunked
/// (a line, or a character, may arrive in pieces).
struct EventStreamParser {
    private var line: [UInt8] = []
    private var data: [String] = []
    private var dataBytes = 0

    /// Bytes held for an event not yet complete (its reader bounds them).
    var pendingBytes: Int { line.count + dataBytes }

    /// The data of every event the bytes completed.
    mutating func feed(_ bytes: Data) -> [String] {
        var events: [String] = []
        var start = bytes.startIndex
        // Whole runs up to each newline, not byte by byte: a flood of bytes costs little to read.
        while true {
            guard let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) else {
                line.append(contentsOf: bytes[start...])
                break
            }
            line.append(contentsOf: bytes[start..<newline])
            start = bytes.index(after: newline)
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            let text = String(decoding: line, as: UTF8.self)
            line.removeAll(keepingCapacity: true)
            if text.isEmpty {
                if !data.isEmpty { events.append(data.joined(separator: "\n")) }
                data = []
                dataBytes = 0
            } else if text.hasPrefix("data:") {
                var value = text.dropFirst(5)
                if value.first == " " { value = value.dropFirst() }
                data.append(String(value))
                dataBytes += value.utf8.count
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
    private var textBytes = 0
    private var calls: [Int: (id: String, name: String, arguments: String)] = [:]
    /// Indexes of calls past `limits.maxCalls`: counted, never kept.
    private var dropped = Set<Int>()
    private(set) var usage: TokenUsage?
    private(set) var finishReason: String?
    private(set) var done = false
    let limits: ModelLimits

    init(limits: ModelLimits = ModelLimits()) { self.limits = limits }

    /// Adds one event's data; returns the text it added.
    mutating func add(_ payload: String) throws(ChatWireError) -> String {
        if payload.trimmingCharacters(in: .whitespaces) == "[DONE]" {
            done = true
            return ""
        }
        guard let v = try? JSONValue.parse(Data(payload.utf8)) else {
            throw ChatWireError("a stream event is not JSON: \(Secrets.redact(String(payload.prefix(64 << 10))).prefix(200))")
        }
        if let error = v["error"] {
            let said = Secrets.redact(error["message"]?.stringValue ?? error.jsonString())
            throw ChatWireError("the stream carried an error: \(said.prefix(300))")
        }
        if let u = ChatWire.usage(v["usage"]) { usage = u }
        guard let choice = v["choices"]?.arrayValue?.first else { return "" }
        if let reason = choice["finish_reason"]?.stringValue { finishReason = reason }
        let delta = choice["delta"] ?? choice["message"]
        for (position, fragment) in (delta?["tool_calls"]?.arrayValue ?? []).enumerated() {
            let index = fragment["index"]?.numberValue.flatMap { $0 >= 0 && $0 < 1e9 ? Int($0) : nil } ?? position
            if calls[index] == nil && calls.count >= limits.maxCalls {
                // Past the cap: not kept (memory stays flat), only counted, so the model can be told.
                if dropped.count < 1_000_000 { dropped.insert(index) }
                continue
            }
            var call = calls[index] ?? (id: "", name: "", arguments: "")
            if let id = fragment["id"]?.stringValue, !id.isEmpty { call.id = String(id.prefix(200)) }
            if let name = fragment["function"]?["name"]?.stringValue { call.name += name.prefix(200) }
            if let arguments = fragment["function"]?["arguments"] {
                call.arguments += arguments.stringValue ?? arguments.jsonString()
                let size = call.arguments.utf8.count
                if size > limits.maxArgumentBytes { throw Self.overArguments(call.name, size, limits) }
            }
            calls[index] = call
        }
        let added = delta?["content"]?.stringValue ?? ""
        textBytes += added.utf8.count
        if textBytes > limits.maxReplyBytes { throw Self.overText(textBytes, limits) }
        text += added
        return added
    }

    static func overText(_ size: Int, _ limits: ModelLimits) -> ChatWireError {
        ChatWireError("the reply's text is over its \(limits.maxReplyBytes)-byte bound (max_reply_bytes) by \(size - limits.maxReplyBytes) bytes"
                      + " so far; the rest was not read", bound: true)
    }

    static func overArguments(_ tool: String, _ size: Int, _ limits: ModelLimits) -> ChatWireError {
        ChatWireError("the arguments of its \(tool.isEmpty ? "tool" : "\"\(tool.prefix(40))\"") call are over their "
                      + "\(limits.maxArgumentBytes)-byte bound (max_argument_bytes) by \(size - limits.maxArgumentBytes) bytes so far; the rest was not read",
                      bound: true)
    }

    /// Whether the reply is whole: `[DONE]` came, or at least a finish reason.
    var complete: Bool { done || finishReason != nil }

    var reply: ChatReply {
        let ordered = calls.sorted { $0.key < $1.key }.map { index, c in
            ToolCall(id: c.id.isEmpty ? "call_\(index)" : c.id, name: c.name, arguments: c.arguments.isEmpty ? "{}" : c.arguments)
        }
        return ChatReply(text: text, toolCalls: ordered, usage: usage, finishReason: finishReason, droppedCalls: dropped.count)
    }
}
