import AgentCore
import Foundation
@testable import ModelClient
import TestServers
import Testing

/// The Chat Completions client against a server speaking the protocol over loopback.
@Suite struct OpenAIChatClientTests {
    let conversation = [ChatMessage(role: .system, content: "You are terse."), ChatMessage(role: .user, content: "List the files.")]
    let tools = [ToolDefinition(name: "shell", description: "Run a command.",
                                parameters: ["type": "object", "properties": ["command": ["type": "string"]], "required": ["command"]])]

    func client(_ session: ChatSession, stream: Bool = true) -> OpenAIChatClient {
        var c = OpenAIChatClient(session.endpoint(stream: stream))
        c.backoff = 0.05
        return c
    }

    @Test func streamsTextAndJoinsToolCallFragments() async throws {
        let session = try ChatSession()
        try await session.script([[
            "text": "Héllo wörld — let me look.",
            "tool_calls": [["id": "call_1", "name": "shell", "arguments": #"{"command":"ls -la \"a b\""}"#],
                           ["id": "call_2", "name": "read_file", "arguments": #"{"path":"naïve.txt"}"#]],
            "input_tokens": 42, "output_tokens": 7, "split": 5,
        ]])
        let pieces = TextPieces()
        let reply = try await client(session).complete(conversation, tools: tools) { pieces.add($0) }
        #expect(reply.text == "Héllo wörld — let me look.")
        #expect(pieces.all.joined() == reply.text && pieces.all.count > 3)
        #expect(reply.toolCalls == [ToolCall(id: "call_1", name: "shell", arguments: #"{"command":"ls -la \"a b\""}"#),
                                    ToolCall(id: "call_2", name: "read_file", arguments: #"{"path":"naïve.txt"}"#)])
        #expect(reply.usage == TokenUsage(input: 42, output: 7) && reply.finishReason == "tool_calls")
        let sent = try #require(try await session.requests().first)
        let body = try #require(sent["body"] as? [String: Any])
        #expect(body["stream"] as? Bool == true && (body["stream_options"] as? [String: Any])?["include_usage"] as? Bool == true)
        #expect(body["model"] as? String == "test-model")
        #expect(((body["tools"] as? [[String: Any]])?.first?["function"] as? [String: Any])?["name"] as? String == "shell")
        #expect((sent["headers"] as? [String: Any])?["authorization"] as? String == "Bearer sk-test-secret-0123")
    }

    @Test func aWholeCallInOneChunkAndAWholeReply() async throws {
        let session = try ChatSession()
        let call: [String: Any] = ["id": "c9", "name": "shell", "arguments": #"{"command":"pwd"}"#]
        try await session.script([["tool_calls": [call], "whole_calls": true], ["text": "done", "tool_calls": [call]]])
        let streamed = try await client(session).complete(conversation, tools: tools) { _ in }
        #expect(streamed.toolCalls == [ToolCall(id: "c9", name: "shell", arguments: #"{"command":"pwd"}"#)])
        let whole = try await client(session, stream: false).complete(conversation, tools: tools) { _ in }
        #expect(whole.text == "done" && whole.toolCalls.count == 1 && whole.usage == TokenUsage(input: 10, output: 5))
        #expect(try await session.requests().last?["body"].flatMap { ($0 as? [String: Any])?["stream"] } == nil)
    }

    /// A history with an assistant's tool call and its result goes out as servers accept it.
    @Test func anAssistantCallAndItsResultAreSentAsTheProtocolSays() async throws {
        let session = try ChatSession()
        try await session.script([["text": "ok"]])
        let history = conversation + [
            ChatMessage(role: .assistant, content: "", toolCalls: [ToolCall(id: "call_1", name: "shell", arguments: #"{"command":"ls"}"#)]),
            ChatMessage(role: .tool, content: "a.txt\n", toolCallID: "call_1"),
        ]
        _ = try await client(session).complete(history, tools: tools, maxTokens: 321) { _ in }
        let body = try #require(try await session.requests().first?["body"] as? [String: Any])
        #expect(body["max_tokens"] as? Int == 321 && body["temperature"] as? Int == 0)
        let messages = try #require(body["messages"] as? [[String: Any]])
        #expect(messages.map { $0["role"] as? String } == ["system", "user", "assistant", "tool"])
        #expect(messages[2]["content"] as? String == "")
        let call = try #require((messages[2]["tool_calls"] as? [[String: Any]])?.first)
        #expect(call["type"] as? String == "function" && call["id"] as? String == "call_1")
        #expect(messages[3]["tool_call_id"] as? String == "call_1" && messages[3]["content"] as? String == "a.txt\n")
    }

    /// A refusal is an error body, or (llama-cpp-python) a 200 event stream that ends before its first event.
    @Test(arguments: ["error", "empty"]) func aServerThatWillNotStreamWithToolsGetsWholeRequests(refusal: String) async throws {
        let session = try ChatSession()
        try await session.script([["refuse_stream": refusal == "error" ? true : "empty"], ["text": "first"], ["text": "second"]])
        let model = client(session)
        #expect(try await model.complete(conversation, tools: tools) { _ in }.text == "first")
        #expect(try await model.complete(conversation, tools: tools) { _ in }.text == "second")
        let streams = try await session.requests().map { (($0["body"] as? [String: Any])?["stream"] as? Bool) ?? false }
        #expect(streams == [true, false, false])
        #expect(try await session.requests().allSatisfy { ($0["body"] as? [String: Any])?["tool_choice"] as? String == "auto" })
    }

    @Test func aRejectedKeyFailsAtOnceAndNeverShowsTheKey() async throws {
        let session = try ChatSession()
        try await session.script([["status": 401, "error": "Incorrect API key provided"], ["text": "never"]])
        await #expect(throws: ChatModelError.rejectedKey(endpoint: "test (127.0.0.1)")) {
            _ = try await client(session).complete(conversation, tools: tools) { _ in }
        }
        #expect(try await session.requests().count == 1)
        #expect(!ChatModelError.rejectedKey(endpoint: session.endpoint().label).description.contains("sk-test"))
    }

    @Test func aRateLimitIsWaitedOut() async throws {
        let session = try ChatSession()
        try await session.script([["status": 429, "error": "Rate limit reached", "retry_after": 1], ["text": "ok"]])
        let start = ContinuousClock.now
        #expect(try await client(session).complete(conversation, tools: tools) { _ in }.text == "ok")
        #expect(ContinuousClock.now - start >= .milliseconds(900))
    }

    @Test func serverErrorsAndCutStreamsAreTriedAgain() async throws {
        let session = try ChatSession()
        try await session.script([["status": 503, "error": "overloaded"], ["text": String(repeating: "long answer ", count: 20), "cut": true],
                                  ["text": "ok"]])
        #expect(try await client(session).complete(conversation, tools: tools) { _ in }.text == "ok")
        #expect(try await session.requests().count == 3)
    }

    @Test func triesRunOutWithTheReason() async throws {
        let session = try ChatSession()
        try await session.script(Array(repeating: ["status": 500, "error": "boom"], count: 3))
        var model = client(session)
        model.retries = 2
        do {
            _ = try await model.complete(conversation, tools: tools) { _ in }
            Issue.record("no error")
        } catch let e as ChatModelError {
            #expect(e == .unavailable(endpoint: "test (127.0.0.1)", why: "HTTP 500: boom") && e.retryable)
        }
        #expect(try await session.requests().count == 3)
    }

    @Test func aConversationTooLongForTheContextFailsWithTheReason() async throws {
        let session = try ChatSession()
        let why = "This model's maximum context length is 4096 tokens. However, your messages resulted in 5000 tokens."
        try await session.script([["status": 400, "error": why, "code": "context_length_exceeded"]])
        await #expect(throws: ChatModelError.contextLength(why)) {
            _ = try await client(session).complete(conversation, tools: tools) { _ in }
        }
    }

    @Test func aBadRequestIsNotTriedAgain() async throws {
        let session = try ChatSession()
        try await session.script([["status": 400, "error": "'messages' must not be empty"], ["text": "never"]])
        do {
            _ = try await client(session).complete(conversation, tools: tools) { _ in }
            Issue.record("no error")
        } catch let e as ChatModelError {
            #expect(!e.retryable && e.description.contains("'messages' must not be empty"))
        }
        #expect(try await session.requests().count == 1)
    }
}

/// The stream's pieces, however the bytes fall.
@Suite struct ChatStreamTests {
    @Test func eventsSplitAtEveryByteGiveTheSameReply() throws {
        let events = [
            #"{"choices":[{"index":0,"delta":{"role":"assistant","content":"Grüß "}}]}"#,
            #"{"choices":[{"index":0,"delta":{"content":"dich"}}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"b","type":"function","function":{"name":"read_file","arguments":""}}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"a","type":"function","function":{"name":"shell","arguments":"{\"comm"}}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"{\"path\":\"x\"}"}}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"and\":\"ls\"}"}}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
            #"{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}"#,
            "[DONE]",
        ]
        let bytes = Data((": keep-alive\r\n\r\n" + events.map { "data: \($0)\r\n\r\n" }.joined()).utf8)
        var parser = EventStreamParser()
        var assembler = ChatChunkAssembler()
        for b in bytes {
            for event in parser.feed(Data([b])) { _ = try assembler.add(event) }
        }
        #expect(assembler.complete)
        let reply = assembler.reply
        #expect(reply.text == "Grüß dich")
        #expect(reply.toolCalls == [ToolCall(id: "a", name: "shell", arguments: #"{"command":"ls"}"#),
                                    ToolCall(id: "b", name: "read_file", arguments: #"{"path":"x"}"#)])
        #expect(reply.usage == TokenUsage(input: 3, output: 4))
    }

    @Test func aStreamThatIsNotChatCompletionsSaysSo() {
        var assembler = ChatChunkAssembler()
        #expect(throws: ChatWireError.self) { _ = try assembler.add("{not json") }
        #expect(throws: ChatWireError.self) { _ = try assembler.add(#"{"error":{"message":"model crashed"}}"#) }
        #expect(!assembler.complete)
    }
}

/// A model server is untrusted: what it quotes back, how much it sends, how slowly, and how many
/// calls it makes are all bounded, against a server that misbehaves on purpose.
@Suite struct HostileModelServerTests {
    let conversation = [ChatMessage(role: .user, content: "Go.")]
    let tools = [ToolDefinition(name: "shell", description: "Run a command.",
                                parameters: ["type": "object", "properties": ["command": ["type": "string"]], "required": ["command"]])]
    static let key = "sk-hostile-test-key-8d7f6e5a4b3c"

    func client(_ session: ChatSession, stream: Bool = true, limits: ModelLimits = ModelLimits()) -> OpenAIChatClient {
        var endpoint = session.endpoint(stream: stream, key: Self.key)
        endpoint.limits = limits
        var c = OpenAIChatClient(endpoint)
        c.backoff = 0.05
        c.retries = 1
        return c
    }

    func failure(_ model: OpenAIChatClient, pieces: TextPieces = TextPieces()) async -> ChatModelError? {
        do {
            _ = try await model.complete(conversation, tools: tools) { pieces.add($0) }
            return nil
        } catch {
            return error as? ChatModelError
        }
    }

    @Test(arguments: ["json", "text", "proxy", "stream"]) func aKeyQuotedBackIsNeverInTheError(kind: String) async throws {
        let session = try ChatSession()
        try await session.script(Array(repeating: ["echo_auth": kind], count: 2))
        let pieces = TextPieces()
        let error = try #require(await failure(client(session), pieces: pieces))
        #expect(!error.description.contains(Self.key) && !error.description.contains("8d7f6e5a4b3c"), "\(error)")
        #expect(error.description.contains(Secrets.mask), "\(error)")
        #expect(!pieces.all.joined().contains(Self.key))
        // As a job's error it stays clean too.
        #expect(!JobFailure(error.description, kind: .permanent).description.contains(Self.key))
    }

    @Test func aKeyInAReplyIsTakenOutEvenWhenSplitAcrossPieces() async throws {
        let session = try ChatSession()
        let call: [String: Any] = ["id": "c1", "name": "shell", "arguments": #"{"command":"echo \#(Self.key)"}"#]
        try await session.script([["text": "your key is \(Self.key), ok", "tool_calls": [call], "split": 3]])
        let pieces = TextPieces()
        let reply = try await client(session).complete(conversation, tools: tools) { pieces.add($0) }
        #expect(reply.text == "your key is \(Secrets.mask), ok")
        #expect(pieces.all.joined() == reply.text && pieces.all.count > 3)
        #expect(reply.toolCalls.first?.arguments == #"{"command":"echo \#(Secrets.mask)"}"#)
    }

    @Test func aFloodOfTextWithoutAnEndStopsAtItsBound() async throws {
        let session = try ChatSession()
        try await session.script([["flood": 20_000_000]])
        let error = try #require(await failure(client(session, limits: ModelLimits(maxReplyBytes: 100_000))))
        #expect(!error.retryable)
        #expect(error.description.contains("over its 100000-byte bound (max_reply_bytes)"), "\(error)")
        #expect(try await session.requests().count == 1)
    }

    @Test(arguments: [true, false]) func oneCallWithHugeArgumentsStopsAtItsBound(stream: Bool) async throws {
        let session = try ChatSession()
        try await session.script([["flood_args": 600_000]])
        let error = try #require(await failure(client(session, stream: stream, limits: ModelLimits(maxArgumentBytes: 50_000))))
        #expect(!error.retryable && error.description.contains("max_argument_bytes"), "\(error)")
    }

    @Test(arguments: [true, false]) func callsPastTheCapAreDroppedAndCounted(stream: Bool) async throws {
        let session = try ChatSession()
        try await session.script([["calls": 2_000]])
        let reply = try await client(session, stream: stream, limits: ModelLimits(maxCalls: 16)).complete(conversation, tools: tools) { _ in }
        #expect(reply.toolCalls.count == 16 && reply.droppedCalls == 1_984)
        #expect(reply.toolCalls.map(\.id) == (0..<16).map { "call_\($0)" })
    }

    @Test func aServerThatDripsIsStoppedByTheCallsDeadline() async throws {
        let session = try ChatSession()
        try await session.script([["drip": 0.2], ["drip": 0.2]])
        let error = try #require(await failure(client(session, limits: ModelLimits(timeout: 2, idleTimeout: 60))))
        #expect(error.retryable)
        #expect(error.description.contains("test (127.0.0.1)") && error.description.contains("2 s model timeout"), "\(error)")
    }

    @Test func headersAndThenNothingIsStoppedByTheIdleLimit() async throws {
        let session = try ChatSession()
        try await session.script([["stall": true], ["stall": true]])
        defer { Task { try? await session.release() } }
        let error = try #require(await failure(client(session, limits: ModelLimits(timeout: 120, idleTimeout: 1))))
        #expect(error.retryable)
        #expect(error.description.contains("test (127.0.0.1)") && error.description.contains("sent nothing for 1 s (idle limit"), "\(error)")
        #expect(try await session.requests().count == 2)
    }

    @Test func aPlainBadRequestSaysWhatTheServerSaid() async throws {
        let session = try ChatSession()
        try await session.script([["status": 400, "error": "'tools' is not supported by this model"]])
        let error = try #require(await failure(client(session)))
        #expect(error == .badResponse(endpoint: "test (127.0.0.1)", why: "HTTP 400: 'tools' is not supported by this model"))
    }
}
