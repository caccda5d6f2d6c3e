import Foundation

/// One message of a conversation with a chat model, as the model sees it.
public struct ChatMessage: Sendable, Equatable {
    public enum Role: String, Sendable { case system, user, assistant, tool }

    public var role: Role
    public var content: String
    /// The calls an assistant message made.
    public var toolCalls: [ToolCall]
    /// On a tool message: the call it answers.
    public var toolCallID: String?

    public init(role: Role, content: String, toolCalls: [ToolCall] = [], toolCallID: String? = nil) {
        self.role = role
        self.content = content
        self.toolCalls = toolCalls
        self.toolCallID = toolCallID
    }
}

/// A tool call the model asked for; `arguments` is the JSON text as the model wrote it (it may be malformed).
public struct ToolCall: Sendable, Equatable {
    public var id: String
    public var name: String
    public var arguments: String

    public init(id: String, name: String, arguments: String) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}

/// A tool as the model is told of it: a name, what it does, and a JSON Schema of its arguments.
public struct ToolDefinition: Sendable, Equatable {
    public var name: String
    public var description: String
    public var parameters: JSONValue

    public init(name: String, description: String, parameters: JSONValue) {
        self.name = name
        self.description = description
        self.parameters = parameters
    }
}

/// Tokens one model call used.
public struct TokenUsage: Sendable, Equatable {
    public var input: Int
    public var output: Int

    public init(input: Int, output: Int) {
        self.input = input
        self.output = output
    }
}

/// What one model call answered: text, tool calls, or both.
public struct ChatReply: Sendable, Equatable {
    public var text: String
    public var toolCalls: [ToolCall]
    public var usage: TokenUsage?
    /// "stop", "tool_calls", "length", ... as the server said it.
    public var finishReason: String?
    /// Calls the reply made past its endpoint's cap: not run; the model is told.
    public var droppedCalls: Int

    public init(text: String, toolCalls: [ToolCall] = [], usage: TokenUsage? = nil, finishReason: String? = nil, droppedCalls: Int = 0) {
        self.text = text
        self.toolCalls = toolCalls
        self.usage = usage
        self.finishReason = finishReason
        self.droppedCalls = droppedCalls
    }

    /// The reply without any secret of the process: it came from a server, and its text is stored
    /// and shown, its calls' arguments run in a sandbox.
    public var redacted: ChatReply {
        var r = self
        r.text = Secrets.redact(text)
        r.toolCalls = toolCalls.map { ToolCall(id: Secrets.redact($0.id), name: Secrets.redact($0.name), arguments: Secrets.redact($0.arguments)) }
        return r
    }
}

/// Why a model call failed, worded for what a person must do.
public enum ChatModelError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 401/403: no retry can help.
    case rejectedKey(endpoint: String)
    /// 429 past the retries, with the wait the server asked for.
    case rateLimited(endpoint: String, retryAfter: Double?)
    /// 5xx, a dropped stream or a timeout, past the retries.
    case unavailable(endpoint: String, why: String)
    /// The conversation no longer fits the model's context.
    case contextLength(String)
    /// Any other refusal, or an answer that is not Chat Completions.
    case badResponse(endpoint: String, why: String)

    public var description: String {
        switch self {
        case .rejectedKey(let e): "the model endpoint rejected the API key (\(e)): check the key or its file"
        case .rateLimited(let e, let after): "the model endpoint \(e) kept rate-limiting" + (after.map { " (retry after \(Int($0)) s)" } ?? "")
        case .unavailable(let e, let why): "the model endpoint \(e) is unavailable: \(why)"
        case .contextLength(let why): "the conversation is longer than the model's context: \(why)"
        case .badResponse(let e, let why): "the model endpoint \(e) answered something unusable: \(why)"
        }
    }

    /// The error without any secret of the process (a server may quote a key back in its words).
    public var redacted: ChatModelError {
        switch self {
        case .rejectedKey(let e): .rejectedKey(endpoint: Secrets.redact(e))
        case .rateLimited(let e, let after): .rateLimited(endpoint: Secrets.redact(e), retryAfter: after)
        case .unavailable(let e, let why): .unavailable(endpoint: Secrets.redact(e), why: Secrets.redact(why))
        case .contextLength(let why): .contextLength(Secrets.redact(why))
        case .badResponse(let e, let why): .badResponse(endpoint: Secrets.redact(e), why: Secrets.redact(why))
        }
    }

    /// Whether running the job again could help.
    public var retryable: Bool {
        switch self {
        case .rateLimited, .unavailable: true
        case .rejectedKey, .contextLength, .badResponse: false
        }
    }
}

/// A chat model that can call tools: what the agent loop talks to.
public protocol ChatModel: Sendable {
    /// Sends the conversation; the reply is at most `maxTokens` long (when given); `onText` gets its
    /// text as it comes (when the server streams).
    func complete(_ messages: [ChatMessage], tools: [ToolDefinition], maxTokens: Int?,
                  onText: @escaping @Sendable (String) -> Void) async throws -> ChatReply
}

extension ChatModel {
    public func complete(_ messages: [ChatMessage], tools: [ToolDefinition], onText: @escaping @Sendable (String) -> Void) async throws -> ChatReply {
        try await complete(messages, tools: tools, maxTokens: nil, onText: onText)
    }
}
