import APIServer
import AgentCore
import Foundation
import Redis
import RedisQueue
import TestServers
import Testing

/// The CLI and the API describe a job with one document, and a list with the same rows.
@Suite struct WireModelTests {
    @Test func theCLIAndTheAPIPrintTheSameJobAndTheSameRows() async throws {
        let cli = try CLI()
        let api = try await APIProcess(cli, env: ["SWISSAGENT_API_TOKENS": "tok-root=ops:admin"])
        defer { api.worker.signal(SIGTERM) }
        let body = #"{"id":"same-doc","metadata":{"k":"v"},"steps":[{"tool":"shell","input":{"command":"echo hi"},"limits":{"memory_mb":64}}]}"#
        let (status, _, _) = try await api.call("POST", "/v1/jobs", token: "tok-root", body: body)
        #expect(status == 201)
        let worker = try WorkerProcess(cli, ["--concurrency", "1"])
        defer { worker.signal(SIGTERM) }
        let queue = RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix)
        #expect(try await waitUntil(seconds: 60) { try await queue.job(id: "same-doc")?.state == .succeeded })

        let fromCLI = try #require(try await cli.json("jobs", "show", "same-doc", "--json") as? NSDictionary)
        let (_, fromAPI, _) = try await api.call("GET", "/v1/jobs/same-doc", token: "tok-root")
        #expect(fromCLI == fromAPI as NSDictionary)
        for key in ["spec", "steps", "history", "created_at", "finished_at", "sandbox", "attempts"] {
            #expect(fromCLI[key] != nil && !(fromCLI[key] is NSNull), "\(key) missing")
        }
        #expect(((fromCLI["steps"] as? [[String: Any]])?.first?["limits"] as? [String: Any])?["memory_mb"] as? Int == 64)

        let rowsCLI = try #require(try await cli.json("jobs", "list", "--state", "succeeded", "--json") as? NSArray)
        let (_, page, _) = try await api.call("GET", "/v1/jobs?state=succeeded", token: "tok-root")
        #expect(rowsCLI == (page["jobs"] as? NSArray))
        #expect(rowsCLI.count == 1)

        // The same queue numbers, and a worker as the wire model writes it.
        let queuesCLI = try #require(try await cli.json("queues", "--json") as? [[String: Any]])
        let (_, queuesAPI, _) = try await api.call("GET", "/v1/queues", token: "tok-root")
        let apiQueues = try #require(queuesAPI["queues"] as? [[String: Any]])
        #expect(Set(queuesCLI.first?.keys.map { $0 } ?? []) == Set(apiQueues.first?.keys.map { $0 } ?? []))
        #expect(queuesCLI.first?["succeeded"] as? Int == 1 && apiQueues.first?["succeeded"] as? Int == 1)
        let workers = try #require(try await cli.json("workers", "--json") as? [[String: Any]])
        #expect(workers.count == 1)
        #expect(Set(workers.first?.keys.map { $0 } ?? []) == ["id", "host", "pid", "started_at", "heartbeat_at", "queues", "concurrency",
                                                               "current_jobs"])
        #expect((workers.first?["heartbeat_at"] as? String)?.hasSuffix("Z") == true)
        #expect(try await cli.run("workers").stdout.contains(workers.first?["id"] as? String ?? "?"))
        try await cli.cleanup()
    }

    /// The job schema in the OpenAPI document is the field table's: a field added to one and not
    /// the other fails here, and the parser knows exactly the documented fields.
    @Test func theDocumentedJobIsTheFieldTable() throws {
        let doc = try JSONValue.parse(Data(OpenAPIDocument.bytes))
        let documented = try #require(doc["components"]?["schemas"]?["JobSpec"]?["properties"])
        #expect(documented == JobSpec.schemaProperties)
        for field in JobSpec.fields {
            var body: [String: JSONValue] = ["steps": [["tool": "shell", "input": ["command": "true"]]]]
            body[field.name] = field.name == "approve" ? .number(1) : .array([])
            // Every field is read by the table: an array (a number for approve, which takes a list) where none is expected names that field.
            if field.name != "steps" {
                #expect(throws: JobSpecError.self) { _ = try JobSpecParser().parse(.object(body)) }
            }
        }
        #expect(throws: JobSpecError.self) { _ = try JobSpecParser().parse(["steps": [], "task": "x", "surprise": 1]) }
    }
}
