import AgentCore
import Foundation

/// Chat Completions on the wire: the request body, and a whole (not streamed) reply.
enum ChatWire {
    static func body(model: String, messages: [ChatMessage], tools: [ToolDefinition], stream: Bool, maxTokens: Int? = nil) -> Data {
        var o: [String: JSONValue] = ["model": .string(model), "messages": .array(messages.map(message)), "temperature": 0]
        if let maxTokens { o["max_tokens"] = .number(Double(maxTokens)) }
        if !tools.isEmpty {
            o["tools"] = .array(tools.map(tool))
            // OpenAI's default, said out loud: llama-cpp-python's function-calling format ignores tools without it.
            o["tool_choice"] = "auto"
        }
        if stream {
            o["stream"] = true
            o["stream_options"] = ["include_usage": true]
        }
        return Data(JSONWriter.write(.object(o)))
    }

    static func message(_ m: ChatMessage) -> JSONValue {
        // `content` is always a string: some servers refuse an assistant message whose content is null.
        var o: [String: JSONValue] = ["role": .string(m.role.rawValue), "content": .string(m.content)]
        if !m.toolCalls.isEmpty {
            o["tool_calls"] = .array(m.toolCalls.map { c in
                ["id": .string(c.id), "type": "function", "function": ["name": .string(c.name), "arguments": .string(c.arguments)]]
            })
        }
        if let id = m.toolCallID { o["tool_call_id"] = .string(id) }
        return .object(o)
    }

    static func tool(_ t: ToolDefinition) -> JSONValue {
        ["type": "function", "function": ["name": .string(t.name), "description": .string(t.description), "parameters": t.parameters]]
    }

    /// A `chat.completion` object, held to `limits` as a streamed one is.
    static func reply(_ data: Data, limits: ModelLimits) throws(ChatWireError) -> ChatReply {
        var reply = try reply(data)
        let textBytes = reply.text.utf8.count
        if textBytes > limits.maxReplyBytes { throw ChatChunkAssembler.overText(textBytes, limits) }
        if reply.toolCalls.count > limits.maxCalls {
            reply.droppedCalls = reply.toolCalls.count - limits.maxCalls
            reply.toolCalls.removeLast(reply.droppedCalls)
        }
        for call in reply.toolCalls where call.arguments.utf8.count > limits.maxArgumentBytes {
            throw ChatChunkAssembler.overArguments(call.name, call.arguments.utf8.count, limits)
        }
        return reply
    }

    /// A `chat.completion` object.
    static func reply(_ data: Data) throws(ChatWireError) -> ChatReply {
        guard let v = try? JSONValue.parse(data), let choice = v["choices"]?.arrayValue?.first, let message = choice["message"] else {
            throw ChatWireError("not a chat completion: \(snippet(data))")
        }
        let calls = (message["tool_calls"]?.arrayValue ?? []).enumerated().compactMap { i, c -> ToolCall? in
            guard let name = c["function"]?["name"]?.stringValue else { return nil }
            let arguments = c["function"]?["arguments"]
            return ToolCall(id: c["id"]?.stringValue ?? "call_\(i)", name: name,
                            arguments: arguments?.stringValue ?? arguments.map { $0.jsonString() } ?? "{}")
        }
        return ChatReply(text: message["content"]?.stringValue ?? "", toolCalls: calls, usage: usage(v["usage"]),
                         finishReason: choice["finish_reason"]?.stringValue)
    }

    static func usage(_ v: JSONValue?) -> TokenUsage? {
        guard let v, let input = v["prompt_tokens"]?.numberValue, let output = v["completion_tokens"]?.numberValue,
              input >= 0, output >= 0, input < 1e12, output < 1e12 else { return nil }
        return TokenUsage(input: Int(input), output: Int(output))
    }

    /// The server's own words for an error (`{"error": {"message"}}`, `{"error": "..."}`, or text), cut
    /// short. Secrets go before the cut, so a key quoted back is never left half-shown.
    static func errorMessage(_ data: Data) -> String {
        if let v = try? JSONValue.parse(data) {
            if let m = v["error"]?["message"]?.stringValue { return String(Secrets.redact(m).prefix(300)) }
            if let m = v["error"]?.stringValue ?? v["detail"]?.stringValue ?? v["message"]?.stringValue {
                return String(Secrets.redact(m).prefix(300))
            }
        }
        return snippet(data)
    }

    static func snippet(_ data: Data) -> String {
        let text = Secrets.redact(String(decoding: data.prefix(64 << 10), as: UTF8.self)).prefix(300).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "an empty body" : text
    }
}

struct ChatWireError: Error {
    let why: String
    /// A bound of `ModelLimits` was broken: stop reading.
    let isBound: Bool
    init(_ why: String, bound: Bool = false) {
        self.why = why
        isBound = bound
    }
}
