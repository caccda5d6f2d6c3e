import AgentCore
import Foundation
import HTTPClient

/// A `ChatModel` over an OpenAI-compatible Chat Completions endpoint (OpenAI, vLLM, llama.cpp's
/// server, Ollama's /v1, LM Studio). Streams when it can, and falls back to whole replies for a
/// server that refuses to stream with tools. Errors say what a person must do: a rejected key fails
/// at once; 429 waits out Retry-After; 5xx, a dropped stream or a timeout are retried with backoff.
/// The server is untrusted: each call is bounded in time (`ModelLimits.timeout`, retries included,
/// and an idle limit), in bytes and in tool calls, and every secret of the process is taken out of
/// what it sends back (text, calls and errors) before anyone else sees it.
public struct OpenAIChatClient: ChatModel {
    public let endpoint: ChatEndpoint
    /// Tries after the first, for the errors worth trying again.
    public var retries = 3
    /// Seconds of the first backoff; each retry doubles it.
    public var backoff = 0.5
    /// The longest Retry-After honoured; a longer one fails the call (the job's retry takes over).
    public var maxRetryAfter = 60.0
    let http = HTTPClient()
    let refusals = StreamRefusal()

    public init(_ endpoint: ChatEndpoint) { self.endpoint = endpoint }

    public func complete(_ messages: [ChatMessage], tools: [ToolDefinition], maxTokens: Int?,
                         onText: @escaping @Sendable (String) -> Void) async throws -> ChatReply {
        let limits = endpoint.limits
        let deadline = ContinuousClock.now + .milliseconds(Int(limits.timeout * 1000))
        // Text goes on as it streams, without any secret, even one split between two pieces.
        let redactor = TextRedactor(onText)
        var attempt = 0
        do {
            while true {
                let left = (deadline - ContinuousClock.now).seconds
                guard left > 0 else { throw pastDeadline() }
                do {
                    let reply = try await once(messages, tools: tools, maxTokens: maxTokens, secondsLeft: left, onText: redactor.feed)
                    redactor.finish()
                    return reply.redacted
                } catch let again as TryAgain {
                    attempt += 1
                    let wait = again.wait ?? backoff * pow(2, Double(attempt - 1))
                    if attempt > retries || wait > maxRetryAfter { throw again.failure }
                    if wait >= (deadline - ContinuousClock.now).seconds { throw pastDeadline() }
                    try await Task.sleep(for: .milliseconds(Int(wait * 1000)))
                }
            }
        } catch let e as ChatModelError {
            redactor.finish()
            throw e.redacted
        }
    }

    /// The call ran past its deadline (`ModelLimits.timeout`): retryable, naming the endpoint and the limit.
    func pastDeadline() -> ChatModelError {
        .unavailable(endpoint: endpoint.label, why: "no whole reply within its \(Self.seconds(endpoint.limits.timeout)) s model timeout (--model-timeout, timeout_s)")
    }

    static func seconds(_ s: Double) -> String { s == s.rounded() ? String(Int(s)) : String(format: "%.1f", s) }

    private func once(_ messages: [ChatMessage], tools: [ToolDefinition], maxTokens: Int?, secondsLeft: Double,
                      onText: @escaping @Sendable (String) -> Void) async throws -> ChatReply {
        let limits = endpoint.limits
        let stream = endpoint.stream && !refusals.refused
        var headers = [("Content-Type", "application/json"), ("Accept", stream ? "text/event-stream" : "application/json")]
        if let key = endpoint.apiKey, !key.isEmpty { headers.append(("Authorization", "Bearer " + key)) }
        let request = HTTPRequest("POST", endpoint.completionsURL, headers: headers,
                                  body: ChatWire.body(model: endpoint.model, messages: messages, tools: tools, stream: stream, maxTokens: maxTokens),
                                  connectTimeout: min(10, secondsLeft), totalTimeout: secondsLeft,
                                  idleTimeout: min(limits.idleTimeout, secondsLeft))
        let reading = StreamReading(limits: limits, onText: onText)
        let response: HTTPResponse
        do {
            response = try await http.stream(request) { reading.feed($0) }
        } catch let e as HTTPError {
            switch e {
            case .cancelled: throw CancellationError()
            case .stopped: throw ChatModelError.badResponse(endpoint: endpoint.label, why: reading.overflow ?? "the reply broke a bound")
            case .idle(_, let s):
                throw TryAgain(failure: .unavailable(endpoint: endpoint.label,
                                                     why: "it sent nothing for \(Self.seconds(s)) s (idle limit, idle_timeout_s)"))
            case .timeout: throw TryAgain(failure: pastDeadline())
            default: throw TryAgain(failure: .unavailable(endpoint: endpoint.label, why: e.description))
            }
        }
        let body = reading.body
        guard response.status == 200 else {
            if stream, response.status == 400 || response.status == 422, Self.refusesStreaming(ChatWire.errorMessage(body)) {
                refusals.refuse()
                return try await once(messages, tools: tools, maxTokens: maxTokens, secondsLeft: secondsLeft, onText: onText)
            }
            throw classify(response, body)
        }
        let isStream = response.headers["content-type"]?.lowercased().contains("text/event-stream") ?? false
        if stream, isStream, !reading.sawEvent {
            // A stream that ends before its first event is a server that could not stream this request
            // (llama-cpp-python's answers 200 and then fails with tools): ask for whole replies from now on.
            refusals.refuse()
            return try await once(messages, tools: tools, maxTokens: maxTokens, secondsLeft: secondsLeft, onText: onText)
        }
        if !isStream {
            do {
                let reply = try ChatWire.reply(body, limits: limits)
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
        case 400, 413, 422:
            // Only a message that says so is a context-length error; any other 400 says what the server said.
            if Self.isContextLength(message) { return ChatModelError.contextLength(message) }
            return ChatModelError.badResponse(endpoint: endpoint.label, why: "HTTP \(response.status): \(message)")
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
    private var rawBytes = 0
    private var events = 0
    private var overflowWhy: String?
    private let limits: ModelLimits
    private let onText: @Sendable (String) -> Void

    init(limits: ModelLimits, onText: @escaping @Sendable (String) -> Void) {
        self.limits = limits
        assembler = ChatChunkAssembler(limits: limits)
        self.onText = onText
    }

    /// Takes the next bytes; false stops the transfer (a bound is broken, `overflow` says which).
    func feed(_ bytes: Data) -> Bool {
        let (texts, go): ([String], Bool) = lock.withLock {
            rawBytes += bytes.count
            // The whole answer is kept only while it may be one (an error body, a reply not streamed);
            // a stream's events are assembled as they come and never kept.
            if events == 0 {
                guard rawBytes <= limits.maxBodyBytes else {
                    overflowWhy = "its answer is over \(limits.maxBodyBytes) bytes (max_reply_bytes, max_calls x max_argument_bytes)"
                    return ([], false)
                }
                raw.append(bytes)
            } else if !raw.isEmpty {
                raw = Data()
            }
            guard failure == nil else { return ([], true) }
            var out: [String] = []
            for event in parser.feed(bytes) {
                events += 1
                do throws(ChatWireError) { out.append(try assembler.add(event)) } catch {
                    failure = error
                    if error.isBound {
                        overflowWhy = error.why
                        return (out, false)
                    }
                    break
                }
            }
            // A line that never ends is bytes of no event: bounded too.
            if parser.pendingBytes > limits.maxEventBytes {
                overflowWhy = "one event of its stream is over \(limits.maxEventBytes) bytes (6 x max_reply_bytes or max_argument_bytes, as JSON)"
                return (out, false)
            }
            return (out, true)
        }
        for t in texts where !t.isEmpty { onText(t) }
        return go
    }

    /// Why the answer was stopped, when it broke a bound.
    var overflow: String? { lock.withLock { overflowWhy } }

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
