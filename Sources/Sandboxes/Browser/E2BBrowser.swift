import AgentCore
import Foundation
import HTTPClient

/// A job's Chromium in its E2B sandbox: the same driver as the local one, its pipe carried by the
/// browser process's stdin and stdout through envd (Start with stdin, SendInput), the descriptors
/// the browser speaks on (3 and 4) redirected to them. The sandbox's template must have Chromium
/// (`chromium-headless-shell` on its PATH, or `SWISSAGENT_E2B_CHROMIUM`).
actor E2BBrowser {
    private var running: (pipe: DevToolsPipe, page: DevToolsBrowser, stream: Task<Void, Never>)?
    private var closed = false

    static let command = ProcessInfo.processInfo.environment["SWISSAGENT_E2B_CHROMIUM"] ?? "chromium-headless-shell"

    func page(_ session: E2BSession) async throws -> DevToolsBrowser {
        if let running, !running.page.crashed { return running.page }
        await stop()
        guard !closed else { throw BrowserError("the job's sandbox is closed") }
        let profile = "/tmp/.browser-profile-\(UUID().uuidString.prefix(8))"
        let flags = ChromiumBinary.flags.map { $0.hasPrefix("--user-data-dir=") ? "--user-data-dir=" + profile : $0 }
        // fd 3 reads the driver from stdin, fd 4 answers on stdout; the browser's own output goes nowhere.
        let script = "exec \"$@\" 3<&0 4>&1 >/dev/null 2>&1"
        let body: JSONValue = .object(["process": .object([
            "cmd": "/bin/sh", "args": .array(["-c", .string(script), "sh", .string(Self.command)] + flags.map { .string($0) }),
            "envs": .object([:]),
        ]), "stdin": true])
        let request = HTTPRequest("POST", session.provider.config.envdURL(session.id) + "/process.Process/Start",
                                  headers: session.envdHeaders + [("Content-Type", "application/connect+json"), ("Connect-Protocol-Version", "1"),
                                                                  ("Keepalive-Ping-Interval", "50")],
                                  body: ConnectStream.envelope(Data(JSONWriter.write(body))), totalTimeout: nil)
        let started = StartedProcess()
        let pipe = DevToolsPipe(send: { [http = session.provider.http] bytes in
            let pid = try await started.pid()
            let input: JSONValue = ["process": ["pid": .number(Double(pid))], "input": ["stdin": .string(bytes.base64EncodedString())]]
            let r = try await http.send(HTTPRequest("POST", session.provider.config.envdURL(session.id) + "/process.Process/SendInput",
                                                    headers: session.envdHeaders + [("Content-Type", "application/json"),
                                                                                    ("Connect-Protocol-Version", "1")],
                                                    body: Data(JSONWriter.write(input)), totalTimeout: 30))
            guard r.status == 200 else { throw BrowserError("envd refused the browser's input (\(r.status))") }
        })
        let reader = BrowserOutput(started: started, pipe: pipe)
        let stream = Task { [http = session.provider.http] in
            let outcome: String
            do {
                _ = try await http.stream(request) { reader.feed($0) }
                outcome = "the browser ended"
            } catch {
                outcome = "lost the browser's stream: \(error)"
            }
            started.fail(outcome)
            pipe.close(outcome)
        }
        do {
            let page = try await DevToolsBrowser.open(pipe, timeout: LocalBrowser.startSeconds)
            running = (pipe, page, stream)
            return page
        } catch {
            stream.cancel()
            pipe.close("the browser did not start")
            throw BrowserError("the browser did not start in the E2B sandbox (its template needs \(Self.command)): \(error)")
        }
    }

    func stop() async {
        guard let running else { return }
        self.running = nil
        running.stream.cancel()
        running.pipe.close("the browser was stopped")
    }

    func close() async {
        closed = true
        await stop()
    }
}

/// Start's event stream of the browser process: its pid, then what it writes to stdout, to the pipe.
/// `@unchecked Sendable`: `frames` is only touched by the one transfer's callbacks, in order.
final class BrowserOutput: @unchecked Sendable {
    private var frames = ConnectStream()
    let started: StartedProcess
    let pipe: DevToolsPipe

    init(started: StartedProcess, pipe: DevToolsPipe) {
        self.started = started
        self.pipe = pipe
    }

    func feed(_ data: Data) {
        for envelope in frames.feed(data) {
            guard let event = (try? JSONValue.parse(envelope.payload))?["event"] else { continue }
            if let pid = event["start"]?["pid"]?.numberValue.flatMap({ Int(exactly: $0) }) { started.set(pid) }
            if let b64 = event["data"]?["stdout"]?.stringValue, let raw = Data(base64Encoded: b64) { pipe.receive(raw) }
        }
    }
}

/// The browser process's pid, once envd's Start stream has said it.
/// `@unchecked Sendable`: `value` and `waiters` are only touched while holding `lock`.
final class StartedProcess: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Result<Int, BrowserError>?
    private var waiters: [CheckedContinuation<Int, any Error>] = []

    func set(_ pid: Int) { settle(.success(pid)) }
    func fail(_ why: String) { settle(.failure(BrowserError(why))) }

    private func settle(_ result: Result<Int, BrowserError>) {
        let waiting: [CheckedContinuation<Int, any Error>] = lock.withLock {
            guard value == nil else { return [] }
            value = result
            defer { waiters = [] }
            return waiters
        }
        for w in waiting { w.resume(with: result.mapError { $0 as any Error }) }
    }

    func pid() async throws -> Int {
        try await withCheckedThrowingContinuation { c in
            let now: Result<Int, BrowserError>? = lock.withLock {
                if value == nil { waiters.append(c) }
                return value
            }
            if let now { c.resume(with: now.mapError { $0 as any Error }) }
        }
    }
}
