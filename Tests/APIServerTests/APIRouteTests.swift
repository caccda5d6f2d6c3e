import AgentCore
import APIServer
import Foundation
import Testing

/// Every route of the API, in this process over the memory queue (the contract suite holds it to
/// Redis's behaviour): who may call it, what a tenant sees, and each refusal.
@Suite struct APIRouteTests {
    let job = #"{"steps":[{"tool":"shell","input":{"command":"echo hi"}}],"metadata":{"ticket":"T-1"}}"#

    @Test func openRoutesNeedNoToken() async throws {
        let api = try await InProcessAPI()
        #expect(try await api.call("GET", "/healthz", token: nil).json["status"] == "ok")
        let ready = try await api.call("GET", "/readyz", token: nil)
        #expect(ready.status == 200 && ready.json["status"] == "ready")
        let doc = try await api.call("GET", "/openapi.json", token: nil)
        #expect(doc.status == 200 && doc.json["paths"]?["/v1/jobs"] != nil)
        let metrics = try await api.call("GET", "/metrics", token: nil)
        #expect(metrics.status == 200 && metrics.text.contains("swissagent_workers 0"))
    }

    @Test func everyJobRouteWantsABearerToken() async throws {
        let api = try await InProcessAPI()
        let routes = APIServer.routes.filter { $0.path.hasPrefix("/v1/") }
        #expect(routes.count == 13)
        for route in routes {
            let path = route.path.replacingOccurrences(of: "{id}", with: "some-job").replacingOccurrences(of: "{path}", with: "src/a.txt")
            for token in [nil, "tok-nobody"] {
                let r = try await api.call(route.method, path, token: token, body: route.method == "POST" ? job : nil)
                #expect(r.status == 401 && r.code == "unauthorized", "\(route.method) \(path) with \(token ?? "no token")")
                #expect(r.headers["www-authenticate"] == "Bearer")
            }
        }
        #expect(try await api.queue.queues().isEmpty, "nothing was submitted without a token")
    }

    @Test func submitTakesTheTenantsNamespaceAndRefusesATakenID() async throws {
        let api = try await InProcessAPI()
        let created = try await api.call("POST", "/v1/jobs", body: #"{"id":"nightly","steps":[{"tool":"shell","input":{"command":"true"}}]}"#)
        #expect(created.status == 201 && created.json["id"] == "nightly" && created.json["state"] == "pending")
        #expect(created.headers["location"] == "/v1/jobs/nightly")
        // Stored in the tenant's namespace, the tenant written in whatever the body said.
        let stored = try #require(try await api.queue.job(id: "acme:nightly"))
        #expect(SpecDigest(json: stored.specJSON).tenant == "acme")
        let again = try await api.call("POST", "/v1/jobs", body: #"{"id":"nightly","steps":[{"tool":"shell","input":{"command":"true"}}]}"#)
        #expect(again.status == 409 && again.code == "id_taken")
        // Another tenant's "nightly" is its own job.
        #expect(try await api.call("POST", "/v1/jobs", token: "tok-globex",
                                   body: #"{"id":"nightly","tenant":"acme","steps":[{"tool":"shell","input":{"command":"true"}}]}"#).status == 201)
        #expect(SpecDigest(json: try #require(try await api.queue.job(id: "globex:nightly")).specJSON).tenant == "globex")
        // An id taken in another queue is taken too.
        let root = #"{"id":"shared","queue":"%@","steps":[{"tool":"shell","input":{"command":"true"}}]}"#
        #expect(try await api.call("POST", "/v1/jobs", token: "tok-root", body: String(format: root, "builds")).status == 201)
        let elsewhere = try await api.call("POST", "/v1/jobs", token: "tok-root", body: String(format: root, "default"))
        #expect(elsewhere.status == 409 && elsewhere.code == "id_taken")
        #expect(try await api.queue.stats(queue: "default").pending == 2)
    }

    @Test func submitRefusesBadJobsAndQueuesWithA4xx() async throws {
        let api = try await InProcessAPI { $0.maxBodyBytes = 4096 }
        for body in ["{", "[]", #"{"steps":[{"tool":"nope","input":{}}]}"#, #"{"steps":[],"residency":"Local-Only"}"#] {
            let r = try await api.call("POST", "/v1/jobs", body: body)
            #expect(r.status == 400 && r.code == "invalid_job", "\(body): \(r.text)")
        }
        let big = #"{"steps":[{"tool":"shell","input":{"command":"\#(String(repeating: "x", count: 5000))"}}]}"#
        #expect(try await api.call("POST", "/v1/jobs", body: big).status == 413)
        let notMine = try await api.call("POST", "/v1/jobs", body: #"{"queue":"builds","steps":[{"tool":"shell","input":{"command":"true"}}]}"#)
        #expect(notMine.status == 400 && notMine.code == "queue_not_allowed")
        #expect(try await api.call("POST", "/v1/jobs", token: "tok-ci",
                                   body: #"{"queue":"builds","steps":[{"tool":"shell","input":{"command":"true"}}]}"#).status == 201)
        let badID = try await api.call("POST", "/v1/jobs", body: #"{"id":"a b","steps":[{"tool":"shell","input":{"command":"true"}}]}"#)
        #expect(badID.status == 400)
        #expect(try await api.queue.stats(queue: "default").pending == 0)
    }

    @Test func aTenantSeesListsAndActsOnlyOnItsOwnJobs() async throws {
        let api = try await InProcessAPI()
        let mine = try await api.submit(job)
        let theirs = try await api.submit(job, token: "tok-globex")
        let show = try await api.call("GET", "/v1/jobs/\(mine)")
        #expect(show.status == 200 && show.json["state"] == "pending" && show.json["spec"]?["tenant"] == "acme")
        for (method, path) in [("GET", ""), ("POST", "/requeue"), ("POST", "/cancel"), ("POST", "/approve"), ("DELETE", ""), ("GET", "/output")] {
            let r = try await api.call(method, "/v1/jobs/\(theirs)" + path)
            #expect(r.status == 404 && r.code == "not_found", "\(method) \(path)")
        }
        #expect(try await api.call("GET", "/v1/jobs/\(theirs)", token: "tok-root").status == 200)
        #expect(try await api.call("GET", "/v1/jobs/no%20such").status == 404)
        let listed = try await api.call("GET", "/v1/jobs?state=pending")
        #expect(listed.json["jobs"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [mine])
        #expect(try await api.call("GET", "/v1/jobs?state=pending", token: "tok-root").json["jobs"]?.arrayValue?.count == 2)
        // Queues: a tenant gets names and paused, never the counts of everyone's jobs.
        let queues = try await api.call("GET", "/v1/queues")
        #expect(queues.json["queues"]?[0]?["queue"] == "default" && queues.json["queues"]?[0]?["pending"] == nil)
        #expect(try await api.call("GET", "/v1/queues", token: "tok-root").json["queues"]?[0]?["pending"] == 2)
    }

    @Test func listRefusesBadQueriesWithTheirReason() async throws {
        let api = try await InProcessAPI()
        let cases: [(String, String)] = [("state=sleeping", "invalid_state"), ("limit=0", "invalid_page"), ("limit=501", "invalid_page"),
                                         ("filter=" + String(repeating: "a", count: 201), "invalid_filter"), ("queue=a%20b", "invalid_queue"),
                                         ("queue=builds", "queue_not_allowed"), ("cursor=garbage", "invalid_cursor")]
        for (query, code) in cases {
            let r = try await api.call("GET", "/v1/jobs?" + query)
            #expect(r.status == 400 && r.code == code, "\(query): \(r.text)")
        }
    }

    @Test func requeueCancelAndDeleteSayWhatTheStateAllows() async throws {
        let api = try await InProcessAPI()
        let id = try await api.submit(job)
        let pendingRequeue = try await api.call("POST", "/v1/jobs/\(id)/requeue")
        #expect(pendingRequeue.status == 409 && pendingRequeue.code == "not_requeueable")
        // Running: cancel is asked for, delete refused.
        let claimed = try #require(try await api.queue.claim(id: id, worker: "w", lease: 30))
        let asked = try await api.call("POST", "/v1/jobs/\(id)/cancel")
        #expect(asked.status == 202 && asked.json["cancel_requested"] == true)
        #expect(try await api.call("DELETE", "/v1/jobs/\(id)").code == "job_active")
        _ = try await api.queue.fail(claimed.token, error: "exit 1", kind: .permanent)
        #expect(try await api.call("POST", "/v1/jobs/\(id)/requeue").json["state"] == "pending")
        #expect(try await api.call("POST", "/v1/jobs/\(id)/cancel").json["state"] == "cancelled")
        let finished = try await api.call("POST", "/v1/jobs/\(id)/cancel")
        #expect(finished.status == 409 && finished.code == "already_finished")
        #expect(try await api.call("DELETE", "/v1/jobs/\(id)").status == 204)
        #expect(try await api.call("DELETE", "/v1/jobs/\(id)").status == 404)
    }

    @Test func approveAndDenyDecideTheWaitingCall() async throws {
        let api = try await InProcessAPI()
        let id = try await api.submit(job)
        #expect(try await api.call("POST", "/v1/jobs/\(id)/approve").code == "nothing_waiting")
        let claimed = try #require(try await api.queue.claim(id: id, worker: "w", lease: 30))
        let request = ApprovalRequest(id: "call-1", step: 0, tool: "shell", input: ["command": "echo hi"], network: false,
                                      reason: "shell waits for a person", askedAt: Date().timeIntervalSince1970, timeoutSeconds: 600)
        #expect(try await api.queue.askApproval(claimed.token, request: request))
        for body in ["[1]", #"{"why":"no"}"#, #"{"reason":5}"#] {
            #expect(try await api.call("POST", "/v1/jobs/\(id)/deny", body: body).code == "invalid_body", "\(body)")
        }
        #expect(try await api.call("POST", "/v1/jobs/\(id)/deny", body: "{}").code == "reason_required")
        #expect(try await api.call("POST", "/v1/jobs/\(id)/approve", body: #"{"call":"call-0"}"#).code == "call_changed")
        let approved = try await api.call("POST", "/v1/jobs/\(id)/approve", body: #"{"call":"call-1"}"#)
        #expect(approved.status == 200 && approved.json["decision"] == "approved" && approved.json["by"] == "tenant acme (api)")
        #expect(try await api.call("POST", "/v1/jobs/\(id)/deny", body: #"{"reason":"late"}"#).code == "already_decided")
    }

    @Test func outputStreamsAsEventsToTheEndAndResumes() async throws {
        let api = try await InProcessAPI()
        let id = try await api.submit(job)
        let claimed = try #require(try await api.queue.claim(id: id, worker: "w", lease: 30))
        _ = try await api.queue.appendOutput(claimed.token, events: [OutputEvent(step: 0, stream: .stdout, text: "one\n"),
                                                                    OutputEvent(step: 0, stream: .stderr, text: "two\n")])
        _ = try await api.queue.complete(claimed.token, result: nil)
        let all = try await api.call("GET", "/v1/jobs/\(id)/output")
        #expect(all.status == 200 && all.headers["content-type"] == "text/event-stream")
        #expect(all.text.contains(#""text":"one\n""#) && all.text.contains(#""stream":"stderr""#))
        #expect(all.text.hasSuffix("event: end\ndata: {\"state\":\"succeeded\"}\n\n"))
        let first = try #require(all.text.split(separator: "\n").first { $0.hasPrefix("id: ") }).dropFirst(4)
        let resumed = try await api.call("GET", "/v1/jobs/\(id)/output", headers: [("Last-Event-ID", String(first))])
        #expect(!resumed.text.contains("one") && resumed.text.contains("two"))
        let bad = try await api.call("GET", "/v1/jobs/\(id)/output", headers: [("Last-Event-ID", "1-2-3")])
        #expect(bad.status == 400 && bad.code == "invalid_last_event_id")
    }

    @Test func outputStreamsAreCappedPerTenant() async throws {
        let api = try await InProcessAPI { $0.maxStreamsPerTenant = 0 }
        let id = try await api.submit(job)
        let r = try await api.call("GET", "/v1/jobs/\(id)/output")
        #expect(r.status == 429 && r.code == "too_many_streams" && r.headers["retry-after"] == "5")
    }

    @Test func metricsCountWhatFinished() async throws {
        let api = try await InProcessAPI()
        let id = try await api.submit(job)
        let claimed = try #require(try await api.queue.claim(id: id, worker: "w", lease: 30))
        _ = try await api.queue.complete(claimed.token, result: "done")
        let text = try await api.call("GET", "/metrics", token: nil).text
        #expect(text.contains(#"swissagent_jobs_processed_total{queue="default",outcome="succeeded"} 1"#))
        #expect(text.contains(#"swissagent_queue_jobs{queue="default",state="succeeded"} 1"#))
    }

    @Test func aKnownPathWithAnotherMethodIs405WithAllow() async throws {
        let api = try await InProcessAPI()
        let r = try await api.call("PUT", "/v1/jobs")
        #expect(r.status == 405 && r.headers["allow"]?.contains("POST") == true)
        #expect(try await api.call("GET", "/v1/nothing").status == 404)
    }
}

/// POST /v1/jobs/{id}/fork, in process: who may fork what, and what the fork starts from.
@Suite struct APIForkRouteTests {
    /// An agent job that took two turns, as a worker leaves it.
    func ranTwoTurns(_ api: InProcessAPI, token: String = "tok-acme") async throws -> String {
        let id = try await api.submit(#"{"task":"Count the files.","max_attempts":1}"#, token: token)
        let claimed = try #require(try await api.queue.claim(id: id, worker: "w", lease: 30))
        let turn = { (n: Int) in TranscriptEntry(.modelCall, "turn \(n)", inputTokens: 100, outputTokens: 10) }
        _ = try await api.queue.appendTranscript(claimed.token, model: "m", entries: [
            TranscriptEntry(.system, "Be brief."), TranscriptEntry(.user, "Count the files."),
            turn(1), TranscriptEntry(.toolCall, #"{"command":"ls | wc -l"}"#, tool: "shell", callID: "c1"),
            TranscriptEntry(.callStarted, "", tool: "shell", callID: "c1"), TranscriptEntry(.toolResult, "3\n", tool: "shell", callID: "c1"),
            turn(2), TranscriptEntry(.assistant, "There are 3 files."),
        ])
        _ = try await api.queue.complete(claimed.token, result: "There are 3 files.")
        return id
    }

    @Test func aForkStartsFromTheTurnsItCopiesAndTheOriginalStays() async throws {
        let api = try await InProcessAPI()
        let id = try await ranTwoTurns(api)
        let r = try await api.call("POST", "/v1/jobs/\(id)/fork", body: #"{"turn":1,"message":"Count hidden files too.","model":"big"}"#)
        #expect(r.status == 201 && r.json["forked_from"]?["job"] == .string(id) && r.json["forked_from"]?["turn"] == 1, "\(r.text)")
        let fork = try #require(r.json["id"]?.stringValue)
        #expect(r.headers["location"] == "/v1/jobs/\(fork)")
        let journal = try await api.queue.transcript(id: fork)
        #expect(journal.map(\.kind) == [.system, .user, .modelCall, .toolCall, .callStarted, .toolResult, .note, .user])
        #expect(journal.prefix(6).allSatisfy { $0.replayed == true } && journal.last?.text == "Count hidden files too.")
        let shown = try await api.call("GET", "/v1/jobs/\(fork)")
        #expect(shown.json["forked_from"]?["turn"] == 1 && shown.json["spec"]?["model"] == "big" && shown.json["state"] == "pending")
        // The original is as it was.
        let originalState = try await api.queue.job(id: id)?.state
        #expect(try await api.queue.transcript(id: id).count == 8 && originalState == .succeeded)
        // A fork of a fork.
        #expect(try await api.call("POST", "/v1/jobs/\(fork)/fork", body: #"{"turn":1}"#).status == 201)
    }

    @Test func aForkIsRefusedWithItsReason() async throws {
        let api = try await InProcessAPI()
        let id = try await ranTwoTurns(api)
        #expect(try await api.call("POST", "/v1/jobs/\(id)/fork", token: "tok-globex", body: #"{"turn":1}"#).status == 404,
                "another tenant cannot tell the job exists, let alone fork it")
        #expect(try await api.call("POST", "/v1/jobs/\(id)/fork", body: #"{"turn":3}"#).code == "invalid_fork")
        for body in ["", "[1]", #"{"turn":-1}"#, #"{"turn":1.5}"#, #"{"turn":1,"why":2}"#, #"{"turn":1,"message":7}"#] {
            #expect(try await api.call("POST", "/v1/jobs/\(id)/fork", body: body).code == "invalid_body", "\(body)")
        }
        let steps = try await api.submit(#"{"steps":[{"tool":"shell","input":{"command":"true"}}]}"#)
        #expect(try await api.call("POST", "/v1/jobs/\(steps)/fork", body: #"{"turn":0}"#).code == "not_forkable")
        #expect(try await api.queue.stats(queue: "default").pending == 1, "nothing was queued by a refused fork")
    }
}
