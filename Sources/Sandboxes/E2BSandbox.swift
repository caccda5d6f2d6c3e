import AgentCore
import Foundation
import HTTPClient

/// Jobs in E2B cloud sandboxes: one sandbox per job, reused by its steps (files persist) and by its
/// later attempts (connected to again, resumed if paused while the job waited), killed when the job
/// ends. Commands run through envd's process.Process/Start (Connect, JSON), files move through envd's /files.
public struct E2BSandboxProvider: ReconnectingSandboxProvider, LeakReaper {
    public let name = "e2b"
    public let config: E2BConfig
    let http: HTTPClient

    public init(config: E2BConfig, http: HTTPClient = HTTPClient()) {
        self.config = config
        self.http = http
    }

    var apiHeaders: [(String, String)] {
        [("X-API-Key", config.apiKey), ("Content-Type", "application/json"), ("User-Agent", "swissagent")]
    }

    public func open(jobID: String, env: [String: String]) async throws -> any SandboxSession {
        let body: [String: JSONValue] = [
            "templateID": .string(config.template), "timeout": .number(Double(config.sandboxTimeout)),
            "metadata": .object(["swissagent_job": .string(jobID), "swissagent_owner": .string(config.owner)]), "envVars": .object(env.mapValues { .string($0) }), "secure": .bool(true),
        ]
        let response = try await call("POST", "/sandboxes", body: .object(body))
        guard response.status == 201 || response.status == 200,
              let sandbox = try? JSONValue.parse(response.body), let id = sandbox["sandboxID"]?.stringValue, Self.isSandboxID(id) else {
            throw SandboxError("E2B answered \(response.status) to creating a sandbox", retryable: true)
        }
        // The size is what billing counts; the legacy default template was 2 vCPU / 512 MiB.
        var cpus = 2.0, memoryGiB = 0.5
        if let detail = try? await call("GET", "/sandboxes/\(id)"), detail.status == 200, let d = try? JSONValue.parse(detail.body) {
            cpus = d["cpuCount"]?.numberValue ?? cpus
            memoryGiB = (d["memoryMB"]?.numberValue).map { $0 / 1024 } ?? memoryGiB
        }
        return E2BSession(provider: self, id: id, token: sandbox["envdAccessToken"]?.stringValue, cpus: cpus, memoryGiB: memoryGiB)
    }

    /// Connects to the job's sandbox of an earlier attempt (`POST /sandboxes/{id}/connect`, which
    /// resumes a paused one), always with a timeout. Only a sandbox whose metadata names this job and
    /// this deployment is taken: the label is read back from Redis, and a sandbox is a job's own.
    public func reconnect(label: String, jobID: String) async throws -> (any SandboxSession)? {
        guard label.hasPrefix("e2b:"), case let id = String(label.dropFirst(4)), Self.isSandboxID(id) else { return nil }
        let detail = try await call("GET", "/sandboxes/\(id)")
        guard detail.status == 200, let d = try? JSONValue.parse(detail.body) else {
            if detail.status == 404 { return nil }
            throw SandboxError("E2B answered \(detail.status) about the sandbox \(id)", retryable: true)
        }
        guard d["metadata"]?["swissagent_job"]?.stringValue == jobID, d["metadata"]?["swissagent_owner"]?.stringValue == config.owner else { return nil }
        // 409: the sandbox is between states (pausing): asked again shortly.
        for attempt in 0..<5 {
            let r = try await call("POST", "/sandboxes/\(id)/connect", body: .object(["timeout": .number(Double(config.sandboxTimeout))]))
            switch r.status {
            case 200, 201:
                let body = try? JSONValue.parse(r.body)
                let token = body?["envdAccessToken"]?.stringValue ?? d["envdAccessToken"]?.stringValue
                return E2BSession(provider: self, id: id, token: token, cpus: d["cpuCount"]?.numberValue ?? 2,
                                  memoryGiB: (d["memoryMB"]?.numberValue).map { $0 / 1024 } ?? 0.5, reconnected: r.status == 201 ? .resumed : .running)
            case 404: return nil
            case 409 where attempt < 4: try await Task.sleep(for: .milliseconds(500 << attempt))
            default: throw SandboxError("E2B answered \(r.status) to connecting to the sandbox \(id)", retryable: true)
            }
        }
        return nil
    }

    /// E2B's ids are short runs of lower-case letters and digits; anything else read back is not one.
    static func isSandboxID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 64 && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
    }

    /// Kills running sandboxes that carry a job id whose job is no longer active: a worker that died
    /// mid-job must not leave a paid sandbox behind.
    public func reapLeaks(isActive: @Sendable (String) async -> Bool) async throws -> Int {
        let r = try await call("GET", "/v2/sandboxes?state=running,paused&limit=100")
        guard r.status == 200, let list = try? JSONValue.parse(r.body).arrayValue else { return 0 }
        var killed = 0
        for box in list {
            guard let id = box["sandboxID"]?.stringValue, let job = box["metadata"]?["swissagent_job"]?.stringValue,
                  box["metadata"]?["swissagent_owner"]?.stringValue == config.owner else { continue }
            if await isActive(job) { continue }
            let kill = try await call("DELETE", "/sandboxes/\(id)")
            if kill.status == 204 { killed += 1 }
        }
        return killed
    }

    /// A control-plane call, with the status mapped to what a person must do; 429 waits Retry-After.
    func call(_ method: String, _ path: String, body: JSONValue? = nil) async throws -> HTTPResponse {
        for attempt in 0..<4 {
            let response: HTTPResponse
            do {
                response = try await http.send(HTTPRequest(method, config.apiURL + path, headers: apiHeaders,
                                                           body: body.map { Data(JSONWriter.write($0)) }))
            } catch let e as HTTPError {
                throw SandboxError("cannot reach E2B: \(e)", retryable: true)
            }
            switch response.status {
            case 401: throw SandboxError("E2B rejected the API key (check E2B_API_KEY)", retryable: false)
            case 429 where attempt < 3:
                let wait = response.headers["retry-after"].flatMap(Double.init) ?? Double(1 << attempt)
                try await Task.sleep(for: .milliseconds(Int(min(wait, 30) * 1000)))
                continue
            case 429: throw SandboxError("E2B is rate limiting us", retryable: true)
            default: return response
            }
        }
        throw SandboxError("E2B is rate limiting us", retryable: true)
    }
}

final class E2BSession: FileTransferSession, BrowserSession, KeptSandbox, WorkspaceSession, @unchecked Sendable {
    // `@unchecked Sendable`: immutable but for `stdinCounter`, `lastExtended`, `size` and `workdir`, which hold `lock`.
    let provider: E2BSandboxProvider
    let id: String
    let token: String?
    let label: String
    let opened = ContinuousClock.now
    private let lock = NSLock()
    private var stdinCounter = 0
    let browserProcess = E2BBrowser()
    /// The workspace's absolute path in the sandbox (envd's working directory), once asked.
    private var workdir: String?
    private var lastExtended = ContinuousClock.now
    private var size: (cpus: Double, memoryGiB: Double)
    /// How this attempt came to the sandbox: made for it, or an earlier attempt's found running or resumed.
    enum Origin: Sendable { case created, running, resumed }
    let origin: Origin

    init(provider: E2BSandboxProvider, id: String, token: String?, cpus: Double, memoryGiB: Double, reconnected: Origin = .created) {
        self.provider = provider
        self.id = id
        self.token = token
        label = "e2b:\(id)"
        size = (cpus, memoryGiB)
        origin = reconnected
    }

    var workspace: any WorkspaceTree { E2BWorkspaceTree(session: self) }
    var reconnected: Bool { origin != .created }

    var envdHeaders: [(String, String)] {
        [("E2b-Sandbox-Id", id), ("E2b-Sandbox-Port", "49983"), ("User-Agent", "swissagent")] + (token.map { [("X-Access-Token", $0)] } ?? [])
    }

    func interpreter(_ language: CodeLanguage) -> [String]? {
        switch language {
        case .python: ["python3"]
        case .node: ["node"]
        case .bash: ["bash"]
        }
    }

    func exec(_ request: ExecRequest, output: @escaping OutputHandler) async throws -> ExecResult {
        try await extendIfDue()
        var argv = request.argv
        if let stdin = request.stdin {
            // envd's Start has no stdin to stream into: the input goes up as a file and is redirected.
            let n = lock.withLock { () -> Int in stdinCounter += 1; return stdinCounter }
            let path = WorkspaceManifest.workerFolder + "/stdin-\(n)"
            try await upload(path, stdin)
            argv = ["/bin/sh", "-c", "exec \"$@\" < \(path)", "sh"] + argv
        }
        let start = ContinuousClock.now
        let timeoutMs = Int(request.limits.wallSeconds * 1000)
        let body: JSONValue = .object(["process": .object([
            "cmd": .string(argv.first ?? "/bin/sh"), "args": .array(argv.dropFirst().map { .string($0) }), "envs": .object([:]),
        ]), "stdin": .bool(false)])
        let http = HTTPRequest("POST", provider.config.envdURL(id) + "/process.Process/Start",
                               headers: envdHeaders + [("Content-Type", "application/connect+json"), ("Connect-Protocol-Version", "1"),
                                                       ("Connect-Timeout-Ms", String(timeoutMs)), ("Keepalive-Ping-Interval", "50")],
                               body: ConnectStream.envelope(Data(JSONWriter.write(body))), totalTimeout: request.limits.wallSeconds + 10)
        let parser = StartParser(limit: request.limits.outputBytes, output: output)
        let response: HTTPResponse
        do {
            response = try await provider.http.stream(http) { parser.feed($0) }
        } catch let e as HTTPError {
            if e == .cancelled { throw CancellationError() }
            if case .timeout = e { return parser.result(seconds: (ContinuousClock.now - start).seconds, limit: .time) }
            throw SandboxError("lost the sandbox \(id): \(e)", retryable: true)
        }
        let seconds = (ContinuousClock.now - start).seconds
        switch response.status {
        case 200: break
        case 401: throw SandboxError("the sandbox \(id) refused our access token", retryable: true)
        case 502: throw SandboxError("the sandbox \(id) is gone (killed or timed out)", retryable: true)
        default: throw SandboxError("envd answered \(response.status)", retryable: true)
        }
        return try parser.finish(seconds: seconds)
    }

    func writeFile(_ path: String, _ data: Data) async throws { try await upload(path, data) }

    func browser(limits: ResourceLimits, network: Bool) async throws -> any BrowserControl {
        try await extendIfDue()
        return try await browserProcess.page(self)
    }

    func workspaceFileURL(_ path: String) async throws -> String {
        do { return "file://" + (try await workspaceDirectory()) + "/" + path } catch { throw BrowserError("cannot tell where the sandbox's workspace is") }
    }

    /// The workspace's absolute path in the sandbox (envd's working directory), asked once.
    func workspaceDirectory() async throws -> String {
        if let known = lock.withLock({ workdir }) { return known }
        let said = Collected()
        let r = try await exec(ExecRequest(argv: ["/bin/sh", "-c", "pwd"], limits: ResourceLimits(wallSeconds: 30)), output: { _, t in said.append(t) })
        let dir = said.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard r.exitCode == 0, dir.hasPrefix("/"), dir.count < 4096 else { throw SandboxError("cannot tell where the sandbox's workspace is", retryable: true) }
        lock.withLock { workdir = dir }
        return dir
    }

    func readFile(_ path: String) async throws -> Data? { try await readFile(path, maxBytes: 1 << 30) }

    /// A file's bytes, refused past `maxBytes` (the sandbox is the job's: its files are any size).
    func readFile(_ path: String, maxBytes: Int) async throws -> Data? {
        let url = provider.config.envdURL(id) + "/files?path=" + (path.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? path)
        let body = BoundedBody(limit: maxBytes)
        var r: HTTPResponse
        do {
            r = try await provider.http.stream(HTTPRequest("GET", url, headers: envdHeaders), until: body.append)
        } catch HTTPError.stopped {
            throw SandboxError("\(path) in the sandbox is over \(maxBytes) bytes", retryable: false)
        } catch let e as HTTPError {
            throw SandboxError("cannot read from the sandbox \(id): \(e)", retryable: true)
        }
        r.body = body.data
        switch r.status {
        case 200: return r.body
        case 404: return nil
        case 502: throw SandboxError("the sandbox \(id) is gone (killed or timed out)", retryable: true)
        default: throw SandboxError("envd refused the download (\(r.status))", retryable: true)
        }
    }

    func upload(_ path: String, _ data: Data) async throws {
        let url = provider.config.envdURL(id) + "/files?path=" + (path.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? path)
        let r: HTTPResponse
        do {
            r = try await provider.http.send(HTTPRequest("POST", url, headers: envdHeaders + [("Content-Type", "application/octet-stream")],
                                                         body: data))
        } catch let e as HTTPError {
            throw SandboxError("cannot upload to the sandbox \(id): \(e)", retryable: true)
        }
        if r.status == 502 { throw SandboxError("the sandbox \(id) is gone (killed or timed out)", retryable: true) }
        guard r.status == 200 else { throw SandboxError("envd refused the upload (\(r.status))", retryable: true) }
    }

    /// Pauses the sandbox for the job's next attempt (E2B keeps its files and memory; paused time is
    /// not billed as running). Detached, as `close`.
    func pause() async {
        await browserProcess.close()
        let provider = provider, id = id
        await Task.detached { _ = try? await provider.call("POST", "/sandboxes/\(id)/pause", body: .object([:])) }.value
    }

    func detach() async { await browserProcess.close() }

    /// Kills the sandbox. Runs detached: closing usually follows a cancel, and the kill must still go out.
    func close() async {
        await browserProcess.close()
        let provider = provider, id = id
        await Task.detached { _ = try? await provider.call("DELETE", "/sandboxes/\(id)") }.value
    }

    /// Sandbox-seconds so far and their estimated cost at the configured rates, for the sandbox's
    /// size as E2B reported it.
    func usage() -> (seconds: Double, dollars: Double)? {
        let s = (ContinuousClock.now - opened).seconds
        let (cpus, memoryGiB) = lock.withLock { size }
        return (s, s * (cpus * provider.config.vcpuPricePerSecond + memoryGiB * provider.config.gibPricePerSecond))
    }

    /// Keeps the sandbox alive while its job runs: its E2B timeout is pushed out before each command
    /// when a third of it has passed.
    func extendIfDue() async throws {
        let due = lock.withLock { () -> Bool in
            if ContinuousClock.now - lastExtended < .seconds(provider.config.sandboxTimeout / 3) { return false }
            lastExtended = ContinuousClock.now
            return true
        }
        if !due { return }
        let r = try await provider.call("POST", "/sandboxes/\(id)/timeout", body: .object(["timeout": .number(Double(provider.config.sandboxTimeout))]))
        if r.status == 404 { throw SandboxError("the sandbox \(id) is gone (killed or timed out)", retryable: true) }
    }
}

/// Reads Start's event stream: output as it comes, then the end event and the end-of-stream frame.
/// `@unchecked Sendable`: fed by one transfer's callbacks, in order, on one thread; read after it ends.
final class StartParser: @unchecked Sendable {
    private var stream = ConnectStream()
    private let limit: Int
    private let output: OutputHandler
    private var bytes = 0
    private var exitCode: Int32?
    private var sawEnd = false
    private var endError: String?
    private var streamError: (code: String, message: String)?
    private var overLimit = false
    private var chunkers: [OutputEvent.Stream: UTF8Chunker] = [.stdout: UTF8Chunker(), .stderr: UTF8Chunker()]

    init(limit: Int, output: @escaping OutputHandler) {
        self.limit = limit
        self.output = output
    }

    func feed(_ data: Data) {
        for env in stream.feed(data) {
            guard let msg = try? JSONValue.parse(env.payload) else { continue }
            if env.endOfStream {
                if let e = msg["error"] { streamError = (e["code"]?.stringValue ?? "unknown", e["message"]?.stringValue ?? "") }
                continue
            }
            guard let event = msg["event"] else { continue }
            if let d = event["data"] {
                for (key, s) in [("stdout", OutputEvent.Stream.stdout), ("stderr", .stderr)] {
                    guard let b64 = d[key]?.stringValue, let raw = Data(base64Encoded: b64) else { continue }
                    let room = max(0, limit - bytes)
                    let allowed = [UInt8](raw.prefix(room))
                    bytes += allowed.count
                    if raw.count > room { overLimit = true }
                    if !allowed.isEmpty, var c = chunkers[s] {
                        output(s, c.text(allowed))
                        chunkers[s] = c
                    }
                }
            } else if let end = event["end"] {
                sawEnd = true
                // protojson leaves zeros out: no exitCode means 0.
                exitCode = end["exitCode"]?.numberValue.map { Int32($0) } ?? 0
                endError = end["error"]?.stringValue
            }
        }
    }

    func result(seconds: Double, limit: LimitKind) -> ExecResult {
        ExecResult(exitCode: -1, seconds: seconds, outputBytes: bytes, limit: limit)
    }

    func finish(seconds: Double) throws -> ExecResult {
        if let e = streamError {
            if e.code == "deadline_exceeded" { return ExecResult(exitCode: -1, seconds: seconds, outputBytes: bytes, limit: .time) }
            throw SandboxError("envd ended the command with \(e.code): \(e.message)", retryable: true)
        }
        guard sawEnd, let code = exitCode else {
            throw SandboxError("envd's stream ended without the command's end event", retryable: true)
        }
        return ExecResult(exitCode: code, seconds: seconds, outputBytes: bytes, limit: overLimit ? .output : nil)
    }
}
