import Foundation

/// What the agent loop does with a model's tool call: a step to run, the final answer, or a
/// mistake to tell the model about (it may repair it), never a crash.
public enum ToolCallReading: Sendable, Equatable {
    case step(StepSpec)
    case finish(answer: String)
    case mistake(String)
}

public enum ToolCalls {
    /// The tool a model calls to end the job with its answer.
    public static let finish = ToolDefinition(
        name: "finish", description: "End the task with the final answer for the person who asked.",
        parameters: ["type": "object", "additionalProperties": false, "required": ["answer"],
                     "properties": ["answer": ["type": "string", "description": "The final answer."]]])

    /// Every tool the model sees: the router's, then `finish`.
    public static func definitions(_ router: ToolRouter) -> [ToolDefinition] { router.definitions + [finish] }

    /// Reads a call against the tool's schema: its arguments must be a JSON object with every
    /// required field, of the type the schema says, and no field it does not know.
    public static func read(_ call: ToolCall, router: ToolRouter) -> ToolCallReading {
        let known = definitions(router)
        guard let tool = known.first(where: { $0.name == call.name }) else {
            return .mistake("unknown tool \"\(call.name.prefix(80))\": use one of \(known.map(\.name).joined(separator: ", "))")
        }
        let text = call.arguments.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let value = try? JSONValue.parse(Data((text.isEmpty ? "{}" : text).utf8)) else {
            return .mistake("the arguments of \(tool.name) are not valid JSON: \(call.arguments.prefix(200))")
        }
        guard let input = value.objectValue else {
            return .mistake("the arguments of \(tool.name) must be a JSON object, got \(value.typeName)")
        }
        if let problem = check(input, against: tool.parameters, tool: tool.name) { return .mistake(problem) }
        if tool.name == finish.name { return .finish(answer: input["answer"]?.stringValue ?? "") }
        return .step(StepSpec(tool: tool.name, input: input))
    }

    static func check(_ input: [String: JSONValue], against schema: JSONValue, tool: String) -> String? {
        let properties = schema["properties"]?.objectValue ?? [:]
        for key in (schema["required"]?.arrayValue ?? []).compactMap(\.stringValue) where input[key] == nil || input[key] == .null {
            return "\(tool) needs \"\(key)\" (it takes \(properties.keys.sorted().joined(separator: ", ")))"
        }
        for (key, value) in input.sorted(by: { $0.key < $1.key }) {
            guard let property = properties[key] else {
                if schema["additionalProperties"] == .bool(false) {
                    return "\(tool) takes no \"\(key.prefix(80))\" (it takes \(properties.keys.sorted().joined(separator: ", ")))"
                }
                continue
            }
            if let type = property["type"]?.stringValue, !matches(value, type) {
                return "\(tool): \"\(key)\" must be a \(type), got \(value.typeName)"
            }
            if let choices = property["enum"]?.arrayValue, !choices.contains(value) {
                return "\(tool): \"\(key)\" must be one of \(choices.compactMap(\.stringValue).joined(separator: ", "))"
            }
        }
        return nil
    }

    static func matches(_ value: JSONValue, _ type: String) -> Bool {
        switch type {
        case "string": value.stringValue != nil
        case "number": value.numberValue != nil
        case "integer": value.numberValue.map { $0 == $0.rounded() } ?? false
        case "boolean": value.boolValue != nil
        case "object": value.objectValue != nil
        case "array": value.arrayValue != nil
        default: true
        }
    }

    /// Tool output as the model gets it back: at most `limit` bytes, the head and the tail kept
    /// (where errors usually are), with a line saying how much was cut in between.
    public static func cut(_ text: String, limit: Int) -> String {
        let bytes = Array(text.utf8)
        guard bytes.count > limit, limit > 0 else { return text }
        let marker = "\n[… \(bytes.count - limit) bytes of output cut …]\n"
        let keep = max(0, limit - marker.utf8.count)
        var head = keep / 2, tail = keep - head
        // Cut on character boundaries: never leave half a UTF-8 sequence at either edge.
        while head > 0, head < bytes.count, bytes[head] & 0xC0 == 0x80 { head -= 1 }
        while tail > 0, bytes.count - tail < bytes.count, bytes[bytes.count - tail] & 0xC0 == 0x80 { tail -= 1 }
        return String(decoding: bytes[..<head], as: UTF8.self) + marker + String(decoding: bytes[(bytes.count - tail)...], as: UTF8.self)
    }
}
