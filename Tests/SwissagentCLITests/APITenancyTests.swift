import AgentCore
import Foundation
import HTTPClient
import Redis
import RedisQueue
import TestServers
import Testing

/// Many tenants on one API, as an attacker among them would try it.
@Suite struct APITenancyTests {
    let env = ["SWISSAGENT_API_TOKENS": "tok-acme=acme/default+reports,tok-globex=globex,tok-root=ops:admin"]
    func job(queue: String = "default", id: String? = nil) -> String {
        #"{"queue":"\#(queue)",\#(id.map { #""id":"\#($0)","# } ?? "")"steps":[{"tool":"shell","input":{"command":"true"}}]}"#
    }
    func code(_ body: [String: Any]) -> String? { (body["error"] as? [String: Any])?["code"] as? String }

    @Test func queuesAreConfigurationNotCreatedByNamingThem() async throws {
        let cli = try CLI()
        let api = try await APIProcess(cli, env: env)
        defer { api.worker.signal(SIGTERM) }
        #expect(try await api.call("POST", "/v1/jobs", body: job(queue: "reports")).0 == 201)
        let (refused, body, _) = try await api.call("POST", "/v1/jobs", body: job(queue: "junk-1"))
        #expect(refused == 400 && code(body) == "queue_not_allowed")
        #expect((body["error"] as? [String: Any])?["message"] as? String
                == #"queue "junk-1" is not one this token may use (allowed: default, reports)"#)
        // A token without a list gets the server's default queues.
        #expect(try await api.call("POST", "/v1/jobs", token: "tok-globex", body: job(queue: "reports")).0 == 400)
        #expect(try await api.call("POST", "/v1/jobs", token: "tok-globex", body: job()).0 == 201)
        #expect(try await api.call("GET", "/v1/jobs?queue=junk-2").0 == 400)
        // Nothing was created for the refused names, and a tenant's /v1/queues lists its own queues.
        let queue = RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix)
        #expect(Set(try await queue.queues()) == ["default", "reports"])
        let mine = try #require(try await api.call("GET", "/v1/queues").1["queues"] as? [[String: Any]])
        #expect(mine.compactMap { $0["queue"] as? String } == ["default", "reports"])
        let theirs = try #require(try await api.call("GET", "/v1/queues", token: "tok-globex").1["queues"] as? [[String: Any]])
        #expect(theirs.compactMap { $0["queue"] as? String } == ["default"])
        // The counts are the queue's, every tenant's jobs together: a tenant gets none of them, an admin all.
        #expect(mine.allSatisfy { $0["pending"] == nil && $0["active"] == nil && $0["awaiting"] == nil && $0["paused"] as? Bool == false })
        let all = try #require(try await api.call("GET", "/v1/queues", token: "tok-root").1["queues"] as? [[String: Any]])
        #expect(all.first { $0["queue"] as? String == "default" }?["pending"] as? Int == 1)
        // An admin may use any queue.
        #expect(try await api.call("POST", "/v1/jobs", token: "tok-root", body: job(queue: "ops-only")).0 == 201)
        try await cli.cleanup()
    }

    @Test func chosenIdsAreScopedByTenant() async throws {
        let cli = try CLI()
        let api = try await APIProcess(cli, env: env)
        defer { api.worker.signal(SIGTERM) }
        // globex squats an id before acme uses it: acme's submit still works, and each sees its own job.
        let (squat, squatted, _) = try await api.call("POST", "/v1/jobs", token: "tok-globex", body: job(id: "invoice-7"))
        #expect(squat == 201 && squatted["id"] as? String == "invoice-7")
        let (status, created, headers) = try await api.call("POST", "/v1/jobs", body: job(id: "invoice-7"))
        #expect(status == 201 && created["id"] as? String == "invoice-7")
        #expect(headers["location"] == "/v1/jobs/invoice-7")
        let (_, acmeView, _) = try await api.call("GET", "/v1/jobs/invoice-7")
        #expect(acmeView["id"] as? String == "invoice-7")
        #expect((acmeView["spec"] as? [String: Any])?["tenant"] as? String == "acme")
        let (_, globexView, _) = try await api.call("GET", "/v1/jobs/invoice-7", token: "tok-globex")
        #expect((globexView["spec"] as? [String: Any])?["tenant"] as? String == "globex")
        // An id only another tenant has is simply absent: submitting it is no conflict, reading it 404.
        #expect(try await api.call("POST", "/v1/jobs", token: "tok-globex", body: job(id: "only-acme-has-it")).0 == 201)
        #expect(try await api.call("POST", "/v1/jobs", body: job(id: "acme-private")).0 == 201)
        #expect(try await api.call("GET", "/v1/jobs/acme-private", token: "tok-globex").0 == 404)
        #expect(try await api.call("GET", "/v1/jobs/acme:acme-private", token: "tok-globex").0 == 404)
        #expect(try await api.call("POST", "/v1/jobs", body: job(id: "acme-private")).0 == 409)
        // Listings show the ids as the tenant knows them.
        let rows = try #require(try await api.call("GET", "/v1/jobs?state=pending").1["jobs"] as? [[String: Any]])
        #expect(Set(rows.compactMap { $0["id"] as? String }) == ["invoice-7", "acme-private"])
        try await cli.cleanup()
    }

    /// A tenant sharing a queue with a busier one pages through its own jobs: every page full until
    /// the last, none twice, none of the other tenant's (once, its pages came back short or empty).
    @Test func aTenantsListPagesAreFullAndItsOwn() async throws {
        let cli = try CLI()
        let api = try await APIProcess(cli, env: env)
        defer { api.worker.signal(SIGTERM) }
        let queue = RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix)
        let specs = (0..<900).map { i in
            JobSpec(tenant: i % 9 == 0 ? "acme" : "globex", steps: [StepSpec(tool: "shell", input: ["command": "true"])],
                    metadata: ["n": .number(Double(i))])
        }
        let ids = try await queue.enqueue(batch: specs)
        let acme = zip(ids, specs).filter { $0.1.tenant == "acme" }.map(\.0).reversed()
        var seen: [String] = [], cursor: String?, pages = 0
        repeat {
            let path = "/v1/jobs?limit=30" + (cursor.map { "&cursor=" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "") } ?? "")
            let (status, body, _) = try await api.call("GET", path)
            #expect(status == 200)
            let rows = try #require(body["jobs"] as? [[String: Any]])
            cursor = body["next_cursor"] as? String
            if cursor != nil { #expect(rows.count == 30) }
            seen += rows.compactMap { $0["id"] as? String }
            pages += 1
        } while cursor != nil && pages < 20
        #expect(seen == Array(acme))
        #expect(pages == 4)
        let (_, filtered, _) = try await api.call("GET", "/v1/jobs?filter=n%3D891")
        #expect((filtered["jobs"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [ids[891]])
        let (_, none, _) = try await api.call("GET", "/v1/jobs?filter=n%3D890")
        #expect((none["jobs"] as? [[String: Any]])?.isEmpty == true)
        let (bad, refusal, _) = try await api.call("GET", "/v1/jobs?cursor=x%40y")
        #expect(bad == 400 && code(refusal) == "invalid_cursor")
        try await cli.cleanup()
    }

    @Test func oneTenantCannotHoldEveryOutputStream() async throws {
        let cli = try CLI()
        let api = try await APIProcess(cli, extra: ["--max-streams", "10", "--max-streams-per-tenant", "2"], env: env)
        defer { api.worker.signal(SIGTERM) }
        let id = try #require(try await api.call("POST", "/v1/jobs", body: job()).1["id"] as? String)
        let other = try #require(try await api.call("POST", "/v1/jobs", token: "tok-globex", body: job()).1["id"] as? String)
        let request = HTTPRequest("GET", api.base + "/v1/jobs/\(id)/output", headers: [("Authorization", "Bearer tok-acme")], totalTimeout: 30)
        // No worker: they stay open. Each has its slot once its first keep-alive arrives (a fixed
        // sleep lost that race on a loaded machine, and the third request was then held instead).
        let opened = OpenedStreams()
        let held = (0..<2).map { n in Task { try await HTTPClient().stream(request) { _ in opened.saw(n) } } }
        #expect(try await waitUntil(seconds: 30) { opened.count == 2 })
        let (third, body, headers) = try await api.call("GET", "/v1/jobs/\(id)/output")
        #expect(third == 429 && code(body) == "too_many_streams" && headers["retry-after"] == "5")
        // Another tenant still gets its stream.
        let theirs = HTTPRequest("GET", api.base + "/v1/jobs/\(other)/output", headers: [("Authorization", "Bearer tok-globex")],
                                 totalTimeout: 30)
        #expect(try await api.call("POST", "/v1/jobs/\(other)/cancel", token: "tok-globex").0 == 200)
        let answer = try await HTTPClient().send(theirs)
        #expect(answer.status == 200 && String(decoding: answer.body, as: UTF8.self).contains("event: end"))
        #expect(try await api.call("POST", "/v1/jobs/\(id)/cancel").0 == 200)
        for t in held { _ = try await t.value }
        try await cli.cleanup()
    }
}

/// Which of a test's streams have sent their first bytes. `@unchecked Sendable`: `seen` holds `lock`.
private final class OpenedStreams: @unchecked Sendable {
    private let lock = NSLock()
    private var seen: Set<Int> = []
    func saw(_ n: Int) { _ = lock.withLock { seen.insert(n) } }
    var count: Int { lock.withLock { seen.count } }
}
