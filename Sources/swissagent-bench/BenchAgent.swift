import AgentCore
import ArgumentParser
import CommandOptions
import Console
import Foundation
import ModelClient
import Redis
import RedisQueue
import Sandboxes

/// The agent loop's own cost, against a model server in this process that streams as the protocol
/// has it: what a turn adds over the server's own time (the client, parsing, the transcript and step
/// records in Redis; the step's sandbox time excluded), and how soon a streamed token is in the job's
/// output stream.
struct BenchAgent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Agent loop overhead per turn over the model server's time, and a streamed token's latency to the output stream and to the console's transcript screen.",
        discussion: "Runs under its own key prefix on the given Redis and removes its keys afterwards. Targets: under 5 ms a turn at "
            + "the median, under 50 ms from a token's sending to the output stream, under 100 ms to the transcript screen (drawn "
            + "by the console's own loop, in this process, on a terminal that only reads what is drawn).")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var sandbox: SandboxOptions

    @Option(help: "Turns of one agent job, each a streamed reply with a shell call.")
    var turns = 100

    @Option(help: "Streamed tokens whose arrival in the output stream is timed.")
    var tokens = 100

    @Option(help: "Milliseconds between streamed tokens.")
    var gapMs = 10

    @Flag(help: "Print each turn's parts: request sent, reply finished, loop and records, the step.")
    var perTurn = false

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        guard turns >= 2, turns <= 10_000, tokens >= 1, tokens <= 100_000, gapMs >= 0 else {
            throw ValidationError("--turns from 2 to 10000, --tokens from 1 to 100000, --gap-ms from 0")
        }
    }

    func run() async throws {
        let server = BenchChatServer(turns: turns, tokens: tokens, gap: .milliseconds(gapMs))
        let (base, serving) = try await server.start()
        defer { serving.cancel() }
        let prefix = "\(global.prefix)bench-\(JobID.make()):"
        let queue = RedisJobQueue(client: RedisClient(try global.redisConfig(), label: "bench"), prefix: prefix)
        let provider = try await sandbox.makeProvider()
        let overhead: [Double], latency: [Double], onScreen: [Double]
        do {
            overhead = try await turnOverhead(server, base: base, queue: queue, provider: provider)
            latency = try await tokenLatency(server, base: base, queue: queue, provider: provider, watch: .stream)
            onScreen = try await tokenLatency(server, base: base, queue: queue, provider: provider, watch: .screen)
        } catch {
            try? await BenchCleanup.remove(prefix: prefix, client: queue.client)
            throw error
        }
        try await BenchCleanup.remove(prefix: prefix, client: queue.client)
        func ms(_ v: [Double], _ q: Double) -> Double { (v.sorted()[min(v.count - 1, Int(Double(v.count) * q))] * 1000 * 100).rounded() / 100 }
        if json {
            print(JSONValue.object([
                "turns": .number(Double(overhead.count)), "turn_overhead_ms": ["p50": .number(ms(overhead, 0.5)), "p90": .number(ms(overhead, 0.9)),
                                                                               "max": .number(ms(overhead, 1))],
                "tokens": .number(Double(latency.count)), "token_latency_ms": ["p50": .number(ms(latency, 0.5)), "p99": .number(ms(latency, 0.99)),
                                                                               "max": .number(ms(latency, 1))],
                "token_to_screen_ms": ["p50": .number(ms(onScreen, 0.5)), "p99": .number(ms(onScreen, 0.99)), "max": .number(ms(onScreen, 1))],
            ]).prettyJSON())
            return
        }
        print("swissagent bench agent: \(overhead.count) turns and \(latency.count) streamed tokens, Redis \(try global.redisConfig().redactedURL)")
        print(String(format: "  loop overhead per turn   p50 %6.2f ms   p90 %6.2f ms   max %6.2f ms   (target: p50 < 5 ms)",
                     ms(overhead, 0.5), ms(overhead, 0.9), ms(overhead, 1)))
        print(String(format: "  token -> output stream   p50 %6.2f ms   p99 %6.2f ms   max %6.2f ms   (target: < 50 ms)",
                     ms(latency, 0.5), ms(latency, 0.99), ms(latency, 1)))
        print(String(format: "  token -> transcript scr. p50 %6.2f ms   p99 %6.2f ms   max %6.2f ms   (target: < 100 ms)",
                     ms(onScreen, 0.5), ms(onScreen, 0.99), ms(onScreen, 1)))
    }

    /// Runs one agent job as a worker would (the supervisor, the local sandbox, a queue observer on
    /// Redis); each turn's overhead is the gap between the server's reply and the next request, less
    /// the step's own time.
    func turnOverhead(_ server: BenchChatServer, base: String, queue: RedisJobQueue, provider: LocalSandboxProvider) async throws -> [Double] {
        let (spec, observer) = try await claimed("Run true until told to stop.", queue: queue)
        var loop = loop(base + "/turns/v1")
        let timed = TimedModel(loop.model)
        loop.model = timed
        let session = try await provider.open(jobID: spec.id ?? "bench", env: [:])
        let outcome = try await Supervisor().runAgent(spec, task: spec.task ?? "", loop: loop, in: session, observer: observer)
        await session.close()
        await observer.finish()
        guard outcome.turns == turns else { throw CLIError("the bench job took \(outcome.turns) turns, not \(turns)") }
        let steps = try await queue.job(id: spec.id ?? "")?.steps ?? []
        let exchanges = server.ledger.all
        guard steps.count == turns - 1, exchanges.count == turns else {
            throw CLIError("the bench job recorded \(steps.count) steps and \(exchanges.count) model calls")
        }
        let calls = timed.calls
        if perTurn {
            for i in 0..<(turns - 1) {
                let send = (exchanges[i + 1].received - calls[i + 1].start).seconds, parse = (calls[i].end - exchanges[i].done).seconds
                let between = (calls[i + 1].start - calls[i].end).seconds - (steps[i].seconds ?? 0)
                print(String(format: "turn %3d  send %.2f ms  finish %.2f ms  loop+records %.2f ms  step %.2f ms", i + 1, send * 1000,
                             parse * 1000, between * 1000, (steps[i].seconds ?? 0) * 1000))
            }
        }
        return (0..<(turns - 1)).map { i in (exchanges[i + 1].received - exchanges[i].done).seconds - (steps[i].seconds ?? 0) }
    }

    /// Where a token's arrival is watched: the job's output stream, or the console's transcript screen.
    enum Watch { case stream, screen }

    /// Streams marked tokens to an agent job and watches them arrive: read from its output stream as
    /// a client would (a blocking read on a connection of its own), or drawn on the transcript screen
    /// of a console in this process. Each token's latency is from its sending to its arrival.
    func tokenLatency(_ server: BenchChatServer, base: String, queue: RedisJobQueue, provider: LocalSandboxProvider,
                      watch: Watch) async throws -> [Double] {
        let (spec, observer) = try await claimed("Say the tokens.", queue: queue)
        let id = spec.id ?? ""
        let arrivals = BenchArrivals()
        let reading: Task<Void, any Error>
        switch watch {
        case .stream:
            let reader = queue.withNewConnection(label: "bench-reader")
            reading = Task {
                var offset = ""
                while arrivals.count < tokens && !Task.isCancelled {
                    for e in try await reader.readOutput(id: id, after: offset, limit: 1000, wait: 1) {
                        offset = e.offset
                        if e.stream == .model { arrivals.saw(e.text) }
                    }
                }
            }
        case .screen:
            let app = ConsoleApp(source: DataSource(queue: queue.withNewConnection(label: "bench-console")),
                                 runner: ActionRunner(queue: queue, local: nil), readOnly: true, screen: .transcript(id: id))
            let running = Task { try await app.run { BenchTerminal(arrivals) } }
            reading = Task {
                while arrivals.count < tokens && !Task.isCancelled { try await Task.sleep(for: .milliseconds(20)) }
                app.quit()
                try await running.value
            }
            // The console is following before the first token is sent.
            try await Task.sleep(for: .milliseconds(500))
        }
        let session = try await provider.open(jobID: id, env: [:])
        _ = try await Supervisor().runAgent(spec, task: spec.task ?? "", loop: loop(base + "/tokens/v1"), in: session, observer: observer)
        await session.close()
        await observer.finish()
        let deadline = ContinuousClock.now + .seconds(10)
        while arrivals.count < tokens && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        reading.cancel()
        let sent = server.ledger.sent
        let seen = arrivals.all
        guard seen.count == tokens else {
            throw CLIError("\(seen.count) of \(tokens) streamed tokens reached the " + (watch == .stream ? "output stream" : "transcript screen"))
        }
        return seen.compactMap { token, at in sent[token].map { (at - $0).seconds } }
    }

    func loop(_ url: String) -> AgentLoop {
        AgentLoop(model: OpenAIChatClient(ChatEndpoint(name: "bench", baseURL: url, model: "bench", residency: .inCluster)), modelName: "bench",
                  budget: AgentBudget(turns: turns, tokens: Int.max / 2, dollars: 1), instructions: "Run what you are told.")
    }

    /// A task job on the bench's queue, claimed as a worker claims one, with its observer started.
    func claimed(_ task: String, queue: RedisJobQueue) async throws -> (JobSpec, QueueObserver) {
        var spec = JobSpec(task: task, maxAttempts: 1)
        guard let job = try await queue.enqueueClaimed(spec, worker: "bench", lease: 600) else { throw CLIError("could not store the bench job") }
        spec.id = job.id
        let observer = QueueObserver(queue: queue, token: job.token, sandbox: "local")
        observer.start()
        return (spec, observer)
    }
}

/// When each marked token ("tok-N") was first read back. `@unchecked Sendable`: all access holds `lock`.
final class BenchArrivals: @unchecked Sendable {
    private let lock = NSLock()
    private var at: [Int: ContinuousClock.Instant] = [:]

    func saw(_ text: String) {
        let now = ContinuousClock.now
        for word in text.split(whereSeparator: { $0 == " " || $0 == "\n" }) where word.hasPrefix("tok-") {
            // A word may carry what follows it on screen (the cursor of a turn being written).
            if let n = Int(word.dropFirst(4).prefix { $0.isASCII && $0.isNumber }) { lock.withLock { if at[n] == nil { at[n] = now } } }
        }
    }

    var count: Int { lock.withLock { at.count } }
    var all: [Int: ContinuousClock.Instant] { lock.withLock { at } }
}

/// A chat model that notes when each call began and ended, for the bench's breakdown.
/// `@unchecked Sendable`: `spans` is only touched while holding `lock`.
final class TimedModel: ChatModel, @unchecked Sendable {
    private let lock = NSLock()
    private var spans: [(start: ContinuousClock.Instant, end: ContinuousClock.Instant)] = []
    private let model: any ChatModel

    init(_ model: any ChatModel) { self.model = model }

    func complete(_ messages: [ChatMessage], tools: [ToolDefinition], maxTokens: Int?,
                  onText: @escaping @Sendable (String) -> Void) async throws -> ChatReply {
        let start = ContinuousClock.now
        let reply = try await model.complete(messages, tools: tools, maxTokens: maxTokens, onText: onText)
        let end = ContinuousClock.now
        lock.withLock { spans.append((start, end)) }
        return reply
    }

    var calls: [(start: ContinuousClock.Instant, end: ContinuousClock.Instant)] { lock.withLock { spans } }
}

/// A terminal that shows nothing: it reads each drawn screen for marked tokens, and has no keys.
final class BenchTerminal: Terminal {
    let arrivals: BenchArrivals
    init(_ arrivals: BenchArrivals) { self.arrivals = arrivals }
    var width: Int { 200 }
    var height: Int { 60 }
    func draw(_ canvas: Canvas) { arrivals.saw(canvas.text) }
    func readKey(timeoutMs: Int) -> Key? {
        Thread.sleep(forTimeInterval: Double(timeoutMs) / 1000)
        return nil
    }
    var isGone: Bool { false }
    func suspend() {}
    func resume() {}
    func close() {}
}
