import CommandOptions
import Foundation
import Hummingbird
import Logging
import NIOCore

/// A Chat Completions server in this process, for `bench agent`: it streams scripted replies as the
/// protocol has them (chunks, tool-call fragments, a usage chunk, `[DONE]`) and notes, on this
/// process's clock, when each request came and when its reply was written, and when each marked
/// token was sent. `/turns/v1`: a `shell` call every turn until the `turns`-th, then an answer.
/// `/tokens/v1`: `count` marked tokens `gap` apart, then the end.
final class BenchChatServer: Sendable {
    struct Exchange { var received: ContinuousClock.Instant; var done: ContinuousClock.Instant }

    let turns: Int
    let tokens: (count: Int, gap: Duration)
    let ledger = BenchLedger()

    init(turns: Int, tokens: Int, gap: Duration) {
        self.turns = turns
        self.tokens = (tokens, gap)
    }

    /// Serves on a free loopback port until the task is cancelled; returns the base URL once listening.
    func start() async throws -> (base: String, task: Task<Void, any Error>) {
        let port = AsyncStream<Int>.makeStream()
        let router = Router()
        router.post("/{session}/v1/chat/completions") { [self] request, context in
            let received = ContinuousClock.now
            _ = try await request.body.collect(upTo: 64 << 20)
            let session = context.parameters.get("session") ?? ""
            let chunks = session == "tokens" ? nil : self.turnChunks(self.ledger.count(session))
            let body = ResponseBody { writer in
                if let chunks {
                    for c in chunks { try await writer.write(ByteBuffer(string: "data: \(c)\n\n")) }
                } else {
                    for i in 0..<self.tokens.count {
                        try await writer.write(ByteBuffer(string: "data: \(Self.chunk(#"{"content":"tok-\#(i) "}"#))\n\n"))
                        self.ledger.sent(i)
                        try await Task.sleep(for: self.tokens.gap)
                    }
                    try await writer.write(ByteBuffer(string: "data: \(Self.chunk("{}", finish: "stop"))\n\n" + "data: \(Self.usage)\n\n"))
                }
                try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
                try await writer.finish(nil)
                self.ledger.exchange(Exchange(received: received, done: .now))
            }
            return Response(status: .ok, headers: [.contentType: "text/event-stream"], body: body)
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "bench-model"),
                              onServerRunning: { channel in port.continuation.yield(channel.localAddress?.port ?? 0) },
                              logger: Self.quiet)
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = port.stream.makeAsyncIterator()
        guard let bound = await iterator.next(), bound > 0 else { throw CLIError("the bench model server did not start") }
        return ("http://127.0.0.1:\(bound)", task)
    }

    /// One turn's reply: a few words, then a `shell` call in three fragments (or, on the last turn, an answer).
    func turnChunks(_ n: Int) -> [String] {
        if n >= turns { return [Self.chunk(#"{"role":"assistant","content":"Done after \#(n) turns."}"#, finish: nil),
                                Self.chunk("{}", finish: "stop"), Self.usage] }
        return [
            Self.chunk(#"{"role":"assistant","content":"Turn \#(n): "}"#),
            Self.chunk(#"{"content":"checking."}"#),
            Self.chunk(#"{"tool_calls":[{"index":0,"id":"call_\#(n)","type":"function","function":{"name":"shell","arguments":"{\"comm"}}]}"#),
            Self.chunk(#"{"tool_calls":[{"index":0,"function":{"arguments":"and\": \"tr"}}]}"#),
            Self.chunk(#"{"tool_calls":[{"index":0,"function":{"arguments":"ue\"}"}}]}"#),
            Self.chunk("{}", finish: "tool_calls"), Self.usage,
        ]
    }

    /// The server's own log: its shutdown when the bench ends is not news.
    static let quiet: Logger = {
        var l = Logger(label: "bench-model")
        l.logLevel = .critical
        return l
    }()

    static let head = #"{"id":"chatcmpl-bench","object":"chat.completion.chunk","created":0,"model":"bench","choices":"#

    static func chunk(_ delta: String, finish: String? = nil) -> String {
        head + #"[{"index":0,"delta":\#(delta),"finish_reason":\#(finish.map { "\"\($0)\"" } ?? "null")}]}"#
    }

    static let usage = head + #"[],"usage":{"prompt_tokens":200,"completion_tokens":20,"total_tokens":220}}"#
}

/// What the bench server saw, in order. `@unchecked Sendable`: all access holds `lock`.
final class BenchLedger: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [String: Int] = [:]
    private var exchanges: [BenchChatServer.Exchange] = []
    private var sentAt: [Int: ContinuousClock.Instant] = [:]

    /// This request's number in its session, from 1.
    func count(_ session: String) -> Int { lock.withLock { counts[session, default: 0] += 1; return counts[session] ?? 0 } }
    func exchange(_ e: BenchChatServer.Exchange) { lock.withLock { exchanges.append(e) } }
    func sent(_ token: Int) { lock.withLock { sentAt[token] = .now } }
    func reset() { lock.withLock { exchanges = [] } }
    var all: [BenchChatServer.Exchange] { lock.withLock { exchanges } }
    var sent: [Int: ContinuousClock.Instant] { lock.withLock { sentAt } }
}
