import AgentCore
import Foundation
import HTTPClient
import Redis
import RedisQueue
import TestServers
import Testing

/// `swissagent api` as deployed: the real binary, real HTTP over loopback, a real Redis.
final class APIProcess: @unchecked Sendable {
    // `@unchecked Sendable`: set in init, only read afterwards.
    let worker: WorkerProcess
    let port: Int
    var base: String { "http://127.0.0.1:\(port)" }

    /// Port 0: the kernel picks a free port and the API's log says which.
    init(_ cli: CLI, extra: [String] = [], env: [String: String], wrapper: [String] = []) async throws {
        worker = try WorkerProcess(cli, [], env: env, command: ["api", "--port", "0"] + extra, wrapper: wrapper)
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let line = worker.output.split(separator: "\n").first(where: { $0.contains("listening on 127.0.0.1:") }),
               let port = line.split(separator: ":").last.flatMap({ Int($0.prefix { $0.isNumber }) }) {
                self.port = port
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestServerError("the API did not come up: \(worker.output)")
    }

    func call(_ method: String, _ path: String, token: String? = "tok-acme", body: String? = nil,
              headers extra: [(String, String)] = []) async throws -> (Int, [String: Any], [String: String]) {
        let headers = (token.map { [("Authorization", "Bearer \($0)")] } ?? []) + extra
        let r = try await HTTPClient().send(HTTPRequest(method, base + path, headers: headers + [("Content-Type", "application/json")],
                                                        body: body.map { Data($0.utf8) }))
        let json = (try? JSONSerialization.jsonObject(with: r.body) as? [String: Any]) ?? [:]
        return (r.status, json, r.headers)
    }
}

@Suite(.serialized) struct APITests {
    let env = ["SWISSAGENT_API_TOKENS": "tok-acme=acme,tok-globex=globex,tok-root=ops:admin"]
    let job = #"{"steps":[{"tool":"shell","input":{"command":"echo hi"}}],"metadata":{"ticket":"T-1"}}"#

    @Test func submitInspectAndActPerTenant() async throws {
        let cli = try CLI()
        let api = try await APIProcess(cli, env: env)
        defer { api.worker.signal(SIGTERM) }
        let (status, created, headers) = try await api.call("POST", "/v1/jobs", body: job)
        #expect(status == 201)
        let id = try #require(created["id"] as? String)
        #expect(headers["location"] == "/v1/jobs/\(id)")

        let (got, record, _) = try await api.call("GET", "/v1/jobs/\(id)")
        #expect(got == 200 && record["state"] as? String == "pending")
        #expect((record["spec"] as? [String: Any])?["tenant"] as? String == "acme")
        // Another tenant cannot tell the job exists; an admin sees it.
        #expect(try await api.call("GET", "/v1/jobs/\(id)", token: "tok-globex").0 == 404)
        #expect(try await api.call("POST", "/v1/jobs/\(id)/cancel", token: "tok-globex").0 == 404)
        #expect(try await api.call("GET", "/v1/jobs/\(id)", token: "tok-root").0 == 200)

        let (listed, page, _) = try await api.call("GET", "/v1/jobs?state=pending&limit=10")
        #expect(listed == 200 && (page["jobs"] as? [[String: Any]])?.count == 1)
        #expect(((try await api.call("GET", "/v1/jobs?state=pending", token: "tok-globex")).1["jobs"] as? [Any])?.isEmpty == true)
        #expect(try await api.call("GET", "/v1/queues").0 == 200)

        // Fail it as a worker would, then requeue, cancel and delete through the API.
        let queue = RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix)
        let claimed = try #require(try await queue.claim(queues: ["default"], worker: "w", lease: 30, wait: 0))
        _ = try await queue.fail(claimed.token, error: "exit 1", kind: .permanent)
        #expect(try await api.call("POST", "/v1/jobs/\(id)/requeue").0 == 200)
        #expect(try await api.call("POST", "/v1/jobs/\(id)/requeue").0 == 409)
        #expect(try await api.call("POST", "/v1/jobs/\(id)/cancel").1["state"] as? String == "cancelled")
        #expect(try await api.call("DELETE", "/v1/jobs/\(id)").0 == 204)
        #expect(try await api.call("GET", "/v1/jobs/\(id)").0 == 404)
        try await cli.cleanup()
    }

    @Test func badInputIsA4xxWithAReasonNeverA5xx() async throws {
        let cli = try CLI()
        let api = try await APIProcess(cli, env: env)
        defer { api.worker.signal(SIGTERM) }
        let (noAuth, e1, _) = try await api.call("POST", "/v1/jobs", token: nil, body: job)
        #expect(noAuth == 401 && (e1["error"] as? [String: Any])?["code"] as? String == "unauthorized")
        #expect(try await api.call("GET", "/v1/queues", token: "wrong").0 == 401)
        let (malformed, e2, _) = try await api.call("POST", "/v1/jobs", body: "{nope")
        #expect(malformed == 400)
        #expect(((e2["error"] as? [String: Any])?["message"] as? String)?.hasPrefix("not valid JSON") == true)
        let (wrong, e3, _) = try await api.call("POST", "/v1/jobs", body: #"{"steps":[{"tool":"shell","input":{"command":5}}]}"#)
        #expect(wrong == 400)
        #expect((e3["error"] as? [String: Any])?["message"] as? String == "steps[0].input.command: expected a string, got a number")
        let huge = #"{"task":""# + String(repeating: "x", count: 2 << 20) + #""}"#
        #expect(try await api.call("POST", "/v1/jobs", body: huge).0 == 413)
        #expect(try await api.call("GET", "/v1/jobs/..%2F..%2Fetc").0 == 404)
        #expect(try await api.call("GET", "/v1/jobs?state=bogus").0 == 400)
        #expect(try await api.call("GET", "/v1/jobs?limit=0").0 == 400)
        // A chosen id names one job of the tenant: submitting it again is a conflict, not a new job.
        let withID = #"{"id":"ticket-42","steps":[{"tool":"shell","input":{"command":"true"}}]}"#
        #expect(try await api.call("POST", "/v1/jobs", body: withID).0 == 201)
        let (again, e4, _) = try await api.call("POST", "/v1/jobs", body: withID)
        #expect(again == 409 && (e4["error"] as? [String: Any])?["code"] as? String == "id_taken")
        let (badResume, e5, _) = try await api.call("GET", "/v1/jobs/ticket-42/output", headers: [("Last-Event-ID", "../../x")])
        #expect(badResume == 400 && (e5["error"] as? [String: Any])?["code"] as? String == "invalid_last_event_id")
        let unknown = try await api.call("GET", "/v1/nothing-here").0
        #expect((400..<500).contains(unknown))
        #expect(try await api.call("GET", "/readyz", token: nil).0 == 200)
        try await cli.cleanup()
    }

    @Test func tokensFileHoldsDigestsNotTokens() async throws {
        // The digest comes from coreutils' sha256sum: the server's own SHA-256 must agree with it.
        let digest = try await TestProcess.run(["/bin/sh", "-c", "printf %s 'file-token-123' | sha256sum | cut -d' ' -f1"])
            .text.trimmingCharacters(in: .whitespacesAndNewlines)
        let file = NSTemporaryDirectory() + "swissagent-tokens-\(JobID.make())"
        try "# digest tenant [admin]\n\(digest) initech\n".write(toFile: file, atomically: true, encoding: .utf8)
        let cli = try CLI()
        let api = try await APIProcess(cli, extra: ["--tokens-file", file], env: [:])
        defer { api.worker.signal(SIGTERM) }
        #expect(try await api.call("POST", "/v1/jobs", token: "file-token-123", body: job).0 == 201)
        #expect(try await api.call("POST", "/v1/jobs", token: "file-token-124", body: job).0 == 401)
        #expect(!api.worker.output.contains("file-token-123"))
        try await cli.cleanup()
    }
}

@Suite struct APIOutputTests {
    @Test func openStreamsAreCappedAndTheirSlotsComeBack() async throws {
        let cli = try CLI()
        let api = try await APIProcess(cli, extra: ["--max-streams", "1"], env: ["SWISSAGENT_API_TOKENS": "tok-acme=acme"])
        defer { api.worker.signal(SIGTERM) }
        let (_, created, _) = try await api.call("POST", "/v1/jobs", body: #"{"steps":[{"tool":"shell","input":{"command":"true"}}]}"#)
        let id = try #require(created["id"] as? String)
        let request = HTTPRequest("GET", api.base + "/v1/jobs/\(id)/output", headers: [("Authorization", "Bearer tok-acme")], totalTimeout: 300)
        // No worker: it stays open, and holds the slot once its first bytes arrive.
        let received = ReceivedBytes()
        let first = Task { try await HTTPClient().stream(request) { received.add($0) } }
        #expect(try await waitUntil(seconds: 60) { received.count > 0 })
        let (busy, e, headers) = try await api.call("GET", "/v1/jobs/\(id)/output")
        #expect(busy == 503 && (e["error"] as? [String: Any])?["code"] as? String == "too_many_streams")
        #expect(headers["retry-after"] == "5")
        // Cancelling ends the first stream; its slot is free again.
        #expect(try await api.call("POST", "/v1/jobs/\(id)/cancel").0 == 200)
        _ = try await first.value
        let ended = received.text
        #expect(ended.contains("event: end\ndata: {\"state\":\"cancelled\"}"))
        let again = try await HTTPClient().send(request)
        #expect(again.status == 200 && String(decoding: again.body, as: UTF8.self).contains("event: end"))
        try await cli.cleanup()
    }

    @Test func outputFollowsAsServerSentEventsAndResumes() async throws {
        let cli = try CLI()
        let api = try await APIProcess(cli, env: ["SWISSAGENT_API_TOKENS": "tok-acme=acme"])
        defer { api.worker.signal(SIGTERM) }
        let (_, created, _) = try await api.call("POST", "/v1/jobs",
                                                  body: #"{"steps":[{"tool":"shell","input":{"command":"echo one; sleep 0.5; echo two; sleep 0.5; echo three"}}]}"#)
        let id = try #require(created["id"] as? String)
        let worker = try WorkerProcess(cli, ["--concurrency", "1"])
        defer { worker.signal(SIGTERM) }
        let request = HTTPRequest("GET", api.base + "/v1/jobs/\(id)/output", headers: [("Authorization", "Bearer tok-acme")], totalTimeout: 30)
        let stream = try await HTTPClient().send(request)
        #expect(stream.status == 200 && stream.headers["content-type"] == "text/event-stream")
        let text = String(decoding: stream.body, as: UTF8.self)
        #expect(text.contains(#""text":"one\n""#) && text.contains(#""text":"three\n""#))
        #expect(text.contains("event: end\ndata: {\"state\":\"succeeded\"}"))
        // Resume after the first event: only what came after it.
        let firstID = try #require(text.split(separator: "\n").first { $0.hasPrefix("id: ") }).dropFirst(4)
        var resume = request
        resume.headers.append(("Last-Event-ID", String(firstID)))
        let rest = String(decoding: try await HTTPClient().send(resume).body, as: UTF8.self)
        #expect(!rest.contains(#""text":"one\n""#) && rest.contains(#""text":"three\n""#))
        #expect(try await api.call("GET", "/v1/jobs/\(id)/output", token: "nope").0 == 401)
        try await cli.cleanup()
    }
}
