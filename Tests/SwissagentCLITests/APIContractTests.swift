import APIServer
import AgentCore
import Foundation
import HTTPClient
import RedisQueue
import TestServers
import Testing

/// The API against its own contract: the OpenAPI document, Prometheus metrics, JSON errors for
/// anything it does not serve, access logs without secrets, and a property-based run of schemathesis.
@Suite(.serialized) struct APIContractTests {
    let env = ["SWISSAGENT_API_TOKENS": "tok-acme=acme,tok-root=ops:admin"]

    @Test func theDocumentAndTheServedRoutesAgree() async throws {
        let cli = try CLI()
        let api = try await APIProcess(cli, env: env)
        defer { api.worker.signal(SIGTERM) }
        let served = try await HTTPClient().send(HTTPRequest("GET", api.base + "/openapi.json"))
        #expect(served.status == 200)
        // The copy kept in the repo is the served document, byte for byte.
        let kept = try Data(contentsOf: TestPaths.repository.appendingPathComponent("docs/openapi.json"))
        #expect(String(decoding: kept, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            == String(decoding: served.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines),
                "the served document is not Sources/APIServer/openapi.json")
        let doc = try #require(try JSONSerialization.jsonObject(with: served.body) as? [String: Any])
        #expect(doc["openapi"] as? String == "3.0.3")
        let paths = try #require(doc["paths"] as? [String: [String: Any]])
        let methods: Set<String> = ["get", "post", "put", "delete", "patch"]
        let documented = Set(paths.flatMap { path, ops in ops.keys.filter(methods.contains).map { "\($0.uppercased()) \(path)" } })
        let routes = Set(APIServer.routes.map { "\($0.method) \($0.path)" })
        #expect(documented == routes)
        // Every documented route is served: none answers "no such route".
        for route in APIServer.routes {
            let path = route.path.replacingOccurrences(of: "{id}", with: "no-such-job")
            let r = try await HTTPClient().send(HTTPRequest(route.method, api.base + path, headers: [("Authorization", "Bearer tok-acme")],
                                                            body: route.method == "POST" ? Data("{}".utf8) : nil, totalTimeout: 10))
            let code = ((try? JSONSerialization.jsonObject(with: r.body) as? [String: Any])?["error"] as? [String: Any])?["code"] as? String
            #expect(code != "no_route", "\(route.method) \(route.path) is documented but not served")
            #expect(r.status < 500, "\(route.method) \(route.path): \(r.status)")
        }
        try await cli.cleanup()
    }

    @Test func unknownRoutesAndMethodsAreJSONErrors() async throws {
        let cli = try CLI()
        let api = try await APIProcess(cli, env: env)
        defer { api.worker.signal(SIGTERM) }
        for (method, path) in [("GET", "/v1/nothing-here"), ("GET", "/"), ("POST", "/v1/jobs/x/y/z"), ("DELETE", "/v1")] {
            let r = try await HTTPClient().send(HTTPRequest(method, api.base + path, headers: [("Authorization", "Bearer tok-acme")]))
            #expect(r.status == 404, "\(method) \(path)")
            #expect(r.headers["content-type"] == "application/json")
            let body = try #require(try JSONSerialization.jsonObject(with: r.body) as? [String: Any])
            #expect((body["error"] as? [String: Any])?["code"] as? String == "no_route")
        }
        // A known path with a method it does not take: 405 and what it does take.
        for (method, path, allow) in [("PUT", "/v1/jobs", "POST, GET"), ("PATCH", "/v1/jobs/x", "GET, DELETE"), ("POST", "/healthz", "GET")] {
            let r = try await HTTPClient().send(HTTPRequest(method, api.base + path, headers: [("Authorization", "Bearer tok-acme")]))
            #expect(r.status == 405, "\(method) \(path)")
            #expect(r.headers["allow"] == allow, "\(method) \(path)")
            let body = try #require(try JSONSerialization.jsonObject(with: r.body) as? [String: Any])
            #expect((body["error"] as? [String: Any])?["code"] as? String == "method_not_allowed")
        }
        try await cli.cleanup()
    }

    @Test func metricsCountJobsAndRequestsAndTheLogHoldsNoToken() async throws {
        let cli = try CLI()
        let api = try await APIProcess(cli, env: env)
        defer { api.worker.signal(SIGTERM) }
        let worker = try WorkerProcess(cli, ["--concurrency", "2"])
        defer { worker.signal(SIGTERM) }
        let ok = try await api.call("POST", "/v1/jobs", body: #"{"steps":[{"tool":"shell","input":{"command":"sleep 0.2; echo ok"}}]}"#)
        let bad = try await api.call("POST", "/v1/jobs", body: #"{"max_attempts":1,"steps":[{"tool":"shell","input":{"command":"exit 3"}}]}"#)
        let ids = [ok.1["id"] as? String, bad.1["id"] as? String].compactMap { $0 }
        #expect(ids.count == 2)
        let deadline = ContinuousClock.now + .seconds(30)
        var finished = false
        while !finished && ContinuousClock.now < deadline {
            var states: [String] = []
            for id in ids { states.append(try await api.call("GET", "/v1/jobs/\(id)").1["state"] as? String ?? "") }
            finished = states == ["succeeded", "failed"]
            if !finished { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(finished)
        let page = try await HTTPClient().send(HTTPRequest("GET", api.base + "/metrics"))
        #expect(page.status == 200 && page.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
        let text = String(decoding: page.body, as: UTF8.self)
        let samples = Dictionary(text.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { line -> (String, Double)? in
            guard let space = line.lastIndex(of: " "), let v = Double(line[line.index(after: space)...]) else { return nil }
            return (String(line[..<space]), v)
        }, uniquingKeysWith: { a, _ in a })
        #expect(samples[#"swissagent_queue_jobs{queue="default",state="succeeded"}"#] == 1)
        #expect(samples[#"swissagent_queue_jobs{queue="default",state="failed"}"#] == 1)
        #expect(samples[#"swissagent_queue_jobs{queue="default",state="pending"}"#] == 0)
        #expect(samples[#"swissagent_jobs_processed_total{queue="default",outcome="succeeded"}"#] == 1)
        #expect(samples[#"swissagent_jobs_processed_total{queue="default",outcome="failed"}"#] == 1)
        #expect(samples[#"swissagent_job_duration_seconds_count{queue="default"}"#] == 2)
        // The sleeping job took at least 0.2 s: it is not in the 0.1 s bucket.
        #expect(samples[#"swissagent_job_duration_seconds_bucket{queue="default",le="0.1"}"#] ?? 2 <= 1)
        #expect(samples[#"swissagent_job_duration_seconds_bucket{queue="default",le="+Inf"}"#] == 2)
        #expect((samples[#"swissagent_job_duration_seconds_sum{queue="default"}"#] ?? 0) >= 0.2)
        #expect((samples["swissagent_workers"] ?? 0) >= 1)
        #expect(samples[#"swissagent_api_requests_total{method="POST",route="/v1/jobs",status="201"}"#] == 2)
        #expect(samples[#"swissagent_api_request_duration_seconds_count{route="/v1/jobs"}"#] == 2)
        // The access log names each request, and never the token that made it.
        let log = api.worker.output
        #expect(log.contains("method=POST") && log.contains("route=/v1/jobs") && log.contains("status=201"))
        #expect(!log.contains("tok-acme") && !log.contains("Bearer"))
        try await cli.cleanup()
    }

    @Test func sigtermEndsOpenStreamsAndTheProcessExitsCleanly() async throws {
        let cli = try CLI()
        let api = try await APIProcess(cli, env: env)
        let (_, created, _) = try await api.call("POST", "/v1/jobs", body: #"{"steps":[{"tool":"shell","input":{"command":"true"}}]}"#)
        let id = try #require(created["id"] as? String)
        // No worker: the job stays pending and its event stream stays open until the server stops.
        let request = HTTPRequest("GET", api.base + "/v1/jobs/\(id)/output", headers: [("Authorization", "Bearer tok-acme")], totalTimeout: 300)
        // The stream is open once its first bytes arrive (not after a sleep a loaded machine outlasts).
        let received = ReceivedBytes()
        let stream = Task { try await HTTPClient().stream(request) { received.add($0) } }
        #expect(try await waitUntil(seconds: 60) { received.count > 0 })
        let start = ContinuousClock.now
        api.worker.signal(SIGTERM)
        _ = try await stream.value
        #expect(ContinuousClock.now - start < .seconds(60))
        #expect(received.text.contains("retry: 1000"))
        #expect(await api.worker.exitStatus(within: 60) == 0, "\(api.worker.output)")
        try await cli.cleanup()
    }

    /// A client that connects and says nothing (or stops mid-request) does not hold a connection for ever.
    @Test func idleConnectionsAreClosed() async throws {
        let cli = try CLI()
        let api = try await APIProcess(cli, extra: ["--idle-timeout", "1"], env: env)
        defer { api.worker.signal(SIGTERM) }
        let probe = """
            import socket, time
            t = time.time(); s = socket.create_connection(("127.0.0.1", \(api.port))); s.settimeout(60)
            s.sendall(b"POST /v1/jobs HTTP/1.1\\r\\nHost: x\\r\\nAuthorization: Bearer tok-acme\\r\\nContent-Length: 100\\r\\n\\r\\n{")
            data = s.recv(4096)
            print("closed" if data == b"" else "answered", round(time.time() - t, 1))
            t = time.time(); s2 = socket.create_connection(("127.0.0.1", \(api.port))); s2.settimeout(60)
            data = s2.recv(4096)
            print("closed" if data == b"" else "answered", round(time.time() - t, 1))
            """
        let r = try await TestProcess.run(["python3", "-c", probe], timeout: 150)
        // Half a request, then nothing; and a connection that never sends a byte: both closed after about 1 s.
        let lines = r.text.split(separator: "\n")
        #expect(lines.count == 2, "\(r.text) \(String(decoding: r.stderr, as: UTF8.self))")
        for line in lines {
            let words = line.split(separator: " ")
            let seconds = Double(words.last ?? "") ?? 99
            // From before the connect, so a stalled probe cannot make it look early; generous above.
            #expect(words.first == "closed" && seconds >= 0.5 && seconds < 30, "\(line)")
        }
        try await cli.cleanup()
    }

    /// schemathesis generates requests from the document (valid ones, invalid ones, and chains that
    /// follow a submitted job's links) and checks every answer: never a 5xx, always a documented status,
    /// content type, headers and body. The event stream is left out: it stays open while a job waits,
    /// and has its own tests (APIOutputTests).
    @Test func schemathesisFindsNoServerErrorAndNoAnswerOutsideTheDocument() async throws {
        let tool = TestPaths.repository.appendingPathComponent(".build-tools/py/bin/schemathesis").path
        guard FileManager.default.isExecutableFile(atPath: tool) else {
            Issue.record("schemathesis is not installed: run scripts/test-tools")
            return
        }
        let cli = try CLI()
        let api = try await APIProcess(cli, extra: ["--no-access-log"], env: env)
        defer { api.worker.signal(SIGTERM) }
        let work = NSTemporaryDirectory() + "swissagent-schemathesis-\(JobID.make())"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let r = try await TestProcess.run([tool, "run", api.base + "/openapi.json", "--header", "Authorization: Bearer tok-acme",
                       "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance",
                       "--exclude-operation-id", "jobOutput", "--phases", "examples,coverage,fuzzing,stateful",
                       "--max-examples", "40", "--seed", "20261127", "--request-timeout", "60", "--generation-database", "none",
                       "--no-color"], directory: work, timeout: 900)
        let out = r.text + String(decoding: r.stderr, as: UTF8.self)
        #expect(r.status == 0, "\(out.suffix(6000))\nAPI log: \(api.worker.output.suffix(3000))")
        #expect(out.contains("passed"))
        try await cli.cleanup()
    }
}
