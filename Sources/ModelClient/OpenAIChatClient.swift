import AgentCore
import Foundation
import HTTPClient

/// A `ChatModel` over an OpenAI-compatible Chat Completions endpoint (OpenAI, vLLM, llama.cpp's
/// server, Ollama's /v1, LM Studio). Streams when it can, and falls back to whole replies for a
/// server that refuses to stream with tools. Errors say what a person must do: a rejected key fails
/// at once; 429 waits out Retry-After; 5xx, a dropped stream or a timeout are retried with backoff.
public struct OpenAIChatClient: ChatModel {
    public let endpoint: ChatEndpoint
    /// Tries after the first, for the errors worth trying again.
    public var retries = 3
    /// Seconds of the first backoff; each retry doubles it.
    public var backoff = 0.5
    /// The longest Retry-After honoured; a longer one fails the call (the job's retry takes over).
    public var maxRetryAfter = 60.0
    /// Seconds a whole call may take.
    public var timeout = 300.0
    let http = HTTPClient()
    let refusals = StreamRefusal()

    public init(_ endpoint: ChatEndpoint) { self.endpoint = endpoint }

    public func complete(_ messages: [ChatMessage], tools: [ToolDefinition], maxTokens: Int?,
                         onText: @escaping @Sendable (String) -> Void) async throws -> ChatReply {
        var attempt = 0
        while true {
            do {
                return try await once(messages, tools: tools, maxTokens: maxTokens, onText: onText)
            } catch let again as TryAgain {
                attempt += 1
                let wait = again.wait ?? backoff * pow(2, Double(attempt - 1))
                if attempt > retries || wait > maxRetryAfter { throw again.failure }
                try await Task.sleep(for: .milliseconds(Int(wait * 1000)))
            }
        }
    }

    private func once(_ messages: [ChatMessage], tools: [ToolDefinition], maxTokens: Int?,
                      onText: @escaping @Sendable (String) -> Void) async throws -> ChatReply {
        let stream = endpoint.stream && !refusals.refused
        var headers = [("Content-Type", "application/json"), ("Accept", stream ? "text/event-stream" : "application/json")]
        if let key = endpoint.apiKey, !key.isEmpty { headers.append(("Authorization", "Bearer " + key)) }
        let request = HTTPRequest("POST", endpoint.completionsURL, headers: headers,
                                  body: ChatWire.body(model: endpoint.model, messages: messages, tools: tools, stream: stream, maxTokens: maxTokens),
                                  connectTimeout: 10, totalTimeout: timeout)
        let reading = StreamReading(onText: onText)
        let response: HTTPResponse
        do {
            response = try await http.stream(request) { reading.feed($0) }
        } catch let e as HTTPError {
            if e == .cancelled { throw CancellationError() }
            throw TryAgain(failure: .unavailable(endpoint: endpoint.label, why: e.description))
        }
        let body = reading.body
        guard response.status == 200 else {
            if stream, response.status == 400 || response.status == 422, Self.refusesStreaming(ChatWire.errorMessage(body)) {
                refusals.refuse()
                return try await once(messages, tools: tools, maxTokens: maxTokens, onText: onText)
            }
            throw classify(response, body)
        }
        let isStream = response.headers["content-type"]?.lowercased().contains("text/event-stream") ?? false
        if stream, isStream, !reading.sawEvent {
            // A stream that ends before its first event is a server that could not stream this request
            // (llama-cpp-python's answers 200 and then fails with tools): ask for whole replies from now on.
            refusals.refuse()
            return try await once(messages, tools: tools, maxTokens: maxTokens, onText: onText)
        }
        if !isStream {
            do {
                let reply = try ChatWire.reply(body)
                if !reply.text.isEmpty { onText(reply.text) }
                return reply
            } catch {
                throw ChatModelError.badResponse(endpoint: endpoint.label, why: error.why)
            }
        }
        return try reading.finish(endpoint: endpoint.label)
    }

    /// What a non-200 answer means for the next step.
    private func classify(_ response: HTTPResponse, _ body: Data) -> any Error {
        let message = ChatWire.errorMessage(body)
        switch response.status {
        case 401, 403:
            return ChatModelError.rejectedKey(endpoint: endpoint.label)
        case 429:
            let after = response.headers["retry-after"].flatMap(Double.init).map { min(max(0, $0), 86_400) }
            return TryAgain(failure: .rateLimited(endpoint: endpoint.label, retryAfter: after), wait: after ?? 1)
        case 400, 413, 422 where Self.isContextLength(message):
            return ChatModelError.contextLength(message)
        case 500...599:
            return TryAgain(failure: .unavailable(endpoint: endpoint.label, why: "HTTP \(response.status): \(message)"))
        default:
            return ChatModelError.badResponse(endpoint: endpoint.label, why: "HTTP \(response.status): \(message)")
        }
    }

    static func isContextLength(_ message: String) -> Bool {
        let m = message.lowercased()
        return ["context_length_exceeded", "context length", "context window", "maximum context", "too many tokens",
                "exceeds the context"].contains { m.contains($0) }
    }

    /// A server that will not stream with tools (llama-cpp-python: "Automatic streaming tool choice is not supported").
    static func refusesStreaming(_ message: String) -> Bool {
        let m = message.lowercased()
        return m.contains("stream") && (m.contains("not supported") || m.contains("unsupported") || m.contains("does not support"))
    }
}

/// A failure worth another try, with the wait the server asked for.
struct TryAgain: Error {
    let failure: ChatModelError
    var wait: Double?
}

/// Remembers that this endpoint refused to stream with tools, so later calls ask for whole replies.
/// `@unchecked Sendable`: `flag` is only touched while holding `lock`.
final class StreamRefusal: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    var refused: Bool { lock.withLock { flag } }
    func refuse() { lock.withLock { flag = true } }
}

/// The bytes of one answer as they come: parsed as a stream of chunks (text handed on at once),
/// and kept whole too, for an error body or a server that answered without streaming.
/// `@unchecked Sendable`: every `var` is only touched while holding `lock`.
final class StreamReading: @unchecked Sendable {
    private let lock = NSLock()
    private var parser = EventStreamParser()
    private var assembler = ChatChunkAssembler()
    private var failure: ChatWireError?
    private var raw = Data()
    private var events = 0
    private let onText: @Sendable (String) -> Void
    /// Bytes kept whole: a reply or an error body, never an unbounded stream.
    static let maxRaw = 16 << 20

    init(onText: @escaping @Sendable (String) -> Void) { self.onText = onText }

    func feed(_ bytes: Data) {
        let texts: [String] = lock.withLock {
            if raw.count < Self.maxRaw { raw.append(bytes.prefix(Self.maxRaw - raw.count)) }
            guard failure == nil else { return [] }
            var out: [String] = []
            for event in parser.feed(bytes) {
                events += 1
                do throws(ChatWireError) { out.append(try assembler.add(event)) } catch { failure = error; break }
            }
            return out
        }
        for t in texts where !t.isEmpty { onText(t) }
    }

    var body: Data { lock.withLock { raw } }
    /// Whether any event of the stream has arrived.
    var sawEvent: Bool { lock.withLock { events > 0 } }

    /// The reply, once the stream has ended: whole, or an error saying why not.
    func finish(endpoint: String) throws -> ChatReply {
        try lock.withLock {
            if failure == nil {
                for event in parser.finish() {
                    do throws(ChatWireError) { _ = try assembler.add(event) } catch { failure = error; break }
                }
            }
            if let failure { throw ChatModelError.badResponse(endpoint: endpoint, why: failure.why) }
            guard assembler.complete else {
                throw TryAgain(failure: .unavailable(endpoint: endpoint, why: "the stream ended before the reply was complete"))
            }
            return assembler.reply
        }
    }
}
