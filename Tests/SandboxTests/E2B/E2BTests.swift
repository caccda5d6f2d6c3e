import AgentCore
import Foundation
import HTTPClient
import Sandboxes
import TestServers
import Testing

extension E2BTestServer {
    func config(key: String? = nil) -> E2BConfig { E2BConfig(apiKey: key ?? self.key, apiURL: base, sandboxURL: base) }
    func liveSandboxes() async throws -> [String: [String: String]] { try await sandboxes() }
}

@Suite(.serialized) struct E2BSandboxTests {
    var server: E2BTestServer { get throws { try E2BTestServer.shared.get() } }

    func run(_ steps: [StepSpec], session: any SandboxSession, limits: ResourceLimits = ResourceLimits(wallSeconds: 20))
        async -> (JobFailure?, String, String, [StepRecord]) {
        let observer = Recorder()
        do {
            try await Supervisor(limits: limits).run(JobSpec(steps: steps), steps: steps, in: session, observer: observer)
            return (nil, observer.out, observer.err, observer.records)
        } catch {
            return (error as? JobFailure, observer.out, observer.err, observer.records)
        }
    }

    @Test func filesPersistAcrossStepsAndTheSandboxIsKilledAtTheEnd() async throws {
        let provider = E2BSandboxProvider(config: try server.config())
        let (uploads, downloads) = (try await server.calls("envd POST /files"), try await server.calls("envd GET /files"))
        let session = try await provider.open(jobID: "job-files", env: ["GREETING": "hi"])
        #expect(session.label.hasPrefix("e2b:"))
        let (failure, out, _, records) = await run([
            StepSpec(tool: "write_file", input: ["path": "notes/a.txt", "content": "b\na\n"]),
            StepSpec(tool: "shell", input: ["command": "sort notes/a.txt; echo $GREETING"]),
            StepSpec(tool: "read_file", input: ["path": "notes/a.txt"]),
            StepSpec(tool: "code", input: ["language": "python", "source": "print(6 * 7)"]),
        ], session: session)
        #expect(failure == nil)
        #expect(out == "a\nb\nhi\nb\na\n42\n")
        #expect(records.map(\.status) == [.succeeded, .succeeded, .succeeded, .succeeded])
        // The file tools used envd's /files (the code step's source went up that way too).
        #expect(try await server.calls("envd POST /files") >= uploads + 2)
        #expect(try await server.calls("envd GET /files") >= downloads + 1)
        let (missing, _, _, _) = await run([StepSpec(tool: "read_file", input: ["path": "nope.txt"])], session: session)
        #expect(missing?.description == "step 1: nope.txt does not exist")
        #expect(try await server.liveSandboxes().values.contains { $0["swissagent_job"] == "job-files" })
        await session.close()
        #expect(!(try await server.liveSandboxes().values.contains { $0["swissagent_job"] == "job-files" }))
    }

    @Test func outputStreamsAndExitStatusesCount() async throws {
        let session = try await E2BSandboxProvider(config: try server.config()).open(jobID: "job-exit", env: [:])
        defer { Task { await session.close() } }
        let (failure, out, err, records) = await run([
            StepSpec(tool: "shell", input: ["command": "echo one; sleep 0.2; echo two >&2; sleep 0.2; echo three; exit 3"]),
        ], session: session)
        #expect(failure?.description == "step 1 (shell) exited with status 3")
        #expect(failure?.kind == .retryable)
        #expect(out == "one\nthree\n" && err == "two\n")
        #expect(records.first?.exitCode == 3)
    }

    @Test func aStepTimeoutIsTheTimeLimit() async throws {
        let session = try await E2BSandboxProvider(config: try server.config()).open(jobID: "job-timeout", env: [:])
        defer { Task { await session.close() } }
        let (failure, _, _, _) = await run([StepSpec(tool: "shell", input: ["command": "sleep 30"], timeoutSeconds: 1)], session: session)
        #expect(failure?.description == "step 1 exceeded its 1 s time limit")
    }

    @Test func aBadKeyFailsForGood() async throws {
        let provider = E2BSandboxProvider(config: try server.config(key: "e2b_ffff"))
        do {
            _ = try await provider.open(jobID: "job-key", env: [:])
            Issue.record("a bad key opened a sandbox")
        } catch let e as SandboxError {
            #expect(e.description == "E2B rejected the API key (check E2B_API_KEY)")
            #expect(!e.retryable)
            #expect(!e.description.contains("e2b_ffff"))
        }
    }

    @Test func rateLimitedThenServed() async throws {
        let before = try await server.calls("POST /sandboxes")
        let job = "job-429-\(JobID.make())"
        _ = try await server.control("POST", "/_test/fault", body: #"{"status":429,"retry_after":1,"match":"POST /sandboxes","only":"\#(job)"}"#)
        let start = ContinuousClock.now
        let session = try await E2BSandboxProvider(config: try server.config()).open(jobID: job, env: [:])
        #expect(ContinuousClock.now - start >= .milliseconds(900))
        // Other suites share the server: at least the refused call and the served one.
        #expect(try await server.calls("POST /sandboxes") >= before + 2)
        await session.close()
    }

    @Test func aStreamWithoutItsEndEventIsAnError() async throws {
        let session = try await E2BSandboxProvider(config: try server.config()).open(jobID: "job-no-end", env: [:])
        defer { Task { await session.close() } }
        let id = String(session.label.dropFirst(4))
        _ = try await server.control("POST", "/_test/fault", body: #"{"mode":"no_end","match":"Start","only":"\#(id)"}"#)
        let (failure, _, _, _) = await run([StepSpec(tool: "shell", input: ["command": "echo looks fine"])], session: session)
        #expect(failure?.description == "step 1: envd's stream ended without the command's end event")
        #expect(failure?.kind == .retryable)
    }

    @Test func aSandboxThatVanishesFailsTheStepForARetry() async throws {
        let session = try await E2BSandboxProvider(config: try server.config()).open(jobID: "job-vanish", env: [:])
        let id = String(session.label.dropFirst(4))
        _ = try await server.control("POST", "/_test/vanish/\(id)")
        let (failure, _, _, _) = await run([StepSpec(tool: "shell", input: ["command": "true"])], session: session)
        #expect(failure?.description == "step 1: the sandbox \(id) is gone (killed or timed out)")
        #expect(failure?.kind == .retryable)
    }
}

/// `@unchecked Sendable`: all access holds `lock`.
final class Recorder: JobObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var o = "", e = ""
    private var r: [StepRecord] = []
    func output(step: Int, stream: OutputEvent.Stream, text: String) { lock.withLock { if stream == .stderr { e += text } else { o += text } } }
    func steps(_ records: [StepRecord]) async { lock.withLock { r = records } }
    var out: String { lock.withLock { o } }
    var err: String { lock.withLock { e } }
    var records: [StepRecord] { lock.withLock { r } }
}

@Suite struct SandboxRoutingTests {
    struct Named: SandboxProvider {
        let name: String
        func open(jobID: String, env: [String: String]) async throws -> any SandboxSession { throw SandboxError("unused", retryable: false) }
    }

    func route(_ job: JobSpec, local: Bool = true, e2b: Bool = true, default choice: SandboxChoice = .auto) -> String {
        let router = SandboxRouter(local: local ? Named(name: "local") : nil, e2b: e2b ? Named(name: "e2b") : nil, defaultChoice: choice)
        do { return try router.provider(for: job).name } catch { return "\(error)" }
    }

    @Test func jobsGoWhereTheyAskAndLocalOnlyNeverLeaves() {
        var job = JobSpec(steps: [StepSpec(tool: "shell", input: ["command": "true"])])
        #expect(route(job) == "local")
        #expect(route(job, default: .e2b) == "e2b")
        #expect(route(job, local: false) == "e2b")
        job.sandbox = .e2b
        #expect(route(job) == "e2b")
        #expect(route(job, e2b: false) == "the job asks for an E2B sandbox, but this worker has no E2B_API_KEY")
        job.residency = .localOnly
        #expect(route(job) == "local")
        #expect(route(job, default: .e2b) == "local")
        #expect(route(job, local: false) == "the job is local-only, and this worker has no local sandbox to run it")
    }
}
