import AgentCore
import Foundation
import Redis
import RedisQueue
import RedisTestSupport
import TestServers
import Testing

/// Workspaces that outlive a worker, end to end: real worker processes with the local sandbox,
/// Redis, the scripted chat server, and the artifact store as a folder or as S3 (moto's server).
@Suite(.serialized) struct WorkspaceResumeTests {
    static func shell(_ id: String, _ command: String) -> [String: Any] {
        let arguments = String(decoding: try! JSONSerialization.data(withJSONObject: ["command": command]), as: UTF8.self)
        return ["tool_calls": [["id": id, "name": "shell", "arguments": arguments]], "input_tokens": 100, "output_tokens": 10]
    }

    static var final: [String: Any] { ["text": "final", "input_tokens": 100, "output_tokens": 10] }

    /// The messages of the model request `i`.
    func messages(_ requests: [[String: Any]], _ i: Int) -> [[String: Any]] {
        ((requests[safe: i]?["body"] as? [String: Any])?["messages"] as? [[String: Any]]) ?? []
    }

    func said(_ queue: RedisJobQueue, _ id: String, _ text: String) async throws -> Bool {
        try await queue.lastOutput(id: id, count: 200).contains { $0.text.contains(text) }
    }

    /// The store's environment: this test's folder, or a bucket on a moto server started for it.
    func store(_ kind: String, _ cli: CLI) async throws -> (env: [String: String], moto: MotoS3Server?) {
        guard kind == "s3" else { return (["SWISSAGENT_ARTIFACTS": cli.artifacts], nil) }
        let moto = try await MotoS3Server.start()
        return (moto.environment(prefix: cli.prefix.replacingOccurrences(of: ":", with: "-")), moto)
    }

    @Test(arguments: ["file", "s3"])
    func aRunKilledAfterWritingFilesFindsThemOnTheNextWorker(_ kind: String) async throws {
        var cli = try CLI()
        let (storeEnv, moto) = try await store(kind, cli)
        cli.extraEnv = ProcessInfo.processInfo.environment.merging(storeEnv) { _, new in new }
        let session = try ChatSession()
        let write = ["tool_calls": [["id": "c1", "name": "write_file", "arguments": #"{"path":"notes/draft.txt","content":"draft one\n"}"#]],
                     "input_tokens": 100, "output_tokens": 10] as [String: Any]
        // Turn 2 holds until a file `go` appears in its workspace, which the test never makes: its worker is killed there.
        try await session.script([write, Self.shell("c2", "echo begin; until [ -e go ]; do sleep 0.1; done"),
                                  Self.shell("c3", "cat notes/draft.txt; echo more > notes/second.txt"), Self.final])
        let queue = RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix)
        let roots = (1...2).map { NSTemporaryDirectory() + "swissagent-ws-\(kind)-\($0)-" + JobID.make() }
        defer { for r in roots { try? FileManager.default.removeItem(atPath: r) } }
        func worker(_ root: String) throws -> WorkerProcess {
            try WorkerProcess(cli, ["--concurrency", "1", "--lease", "2"],
                              env: storeEnv.merging(["SWISSAGENT_LLM_URL": session.baseURL, "SWISSAGENT_LLM_MODEL": "test-model",
                                                     "SWISSAGENT_WORKSPACES": root]) { _, new in new })
        }
        let first = try worker(roots[0])
        let id = try await queue.enqueue(try JobSpecParser().parse(Data(#"{"task":"Write notes.","max_attempts":3}"#.utf8)))
        #expect(try await waitUntil(seconds: 90) { try await said(queue, id, "begin") }, "\(first.output)")
        first.signal(SIGKILL)
        _ = await first.exitStatus(within: 30)
        let second = try worker(roots[1])
        defer { second.signal(SIGTERM) }
        #expect(try await waitUntil(seconds: 90) { try await queue.job(id: id)?.state.isTerminal ?? false })
        let job = try #require(try await queue.job(id: id))
        #expect(job.state == .succeeded, "\(job.lastError ?? "") \(second.output)")
        let requests = try await session.requests()
        #expect(requests.count == 4)
        // The next worker, with a workspace root of its own, found what the first one's turn 1 wrote.
        let told = messages(requests, 2).filter { $0["role"] as? String == "user" }.last?["content"] as? String ?? ""
        #expect(told.contains("restored as it was after turn 1 (1 file"), "\(told)")
        let result = messages(requests, 3).last { $0["role"] as? String == "tool" }?["content"] as? String ?? ""
        #expect(result.contains("draft one"), "\(result)")

        // Its files, once it ended: listed and downloaded.
        let listed = try await cli.run("jobs", "files", id)
        #expect(listed.status == 0 && listed.stdout.contains("notes/draft.txt") && listed.stdout.contains("notes/second.txt"), "\(listed.stderr)")
        let folder = NSTemporaryDirectory() + "swissagent-download-" + JobID.make()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let got = try await cli.run("jobs", "download", id, "notes/draft.txt", "-o", folder)
        #expect(got.status == 0, "\(got.stderr)")
        #expect(try String(contentsOfFile: folder + "/notes/draft.txt", encoding: .utf8) == "draft one\n")
        #expect(!FileManager.default.fileExists(atPath: folder + "/notes/second.txt"))
        // Again: an existing file is not replaced without --force.
        #expect(try await cli.run("jobs", "download", id, "-o", folder).stderr.contains("--force"))
        // Deleted with the job.
        #expect(try await cli.run("jobs", "delete", id).status == 0)
        #expect(try await cli.run("jobs", "files", id).status != 0)
        if kind == "file" {
            let left = (try? FileManager.default.subpathsOfDirectory(atPath: cli.artifactsFolder)) ?? []
            #expect(!left.contains { $0.hasSuffix(".json") }, "\(left)")
        }
        moto?.stop()
        try await cli.cleanup()
    }

    @Test func aForkFromTurnTwoSeesTheWorkspaceAsItWasAfterTurnTwo() async throws {
        let cli = try CLI()
        let session = try ChatSession()
        try await session.script((1...4).map { Self.shell("c\($0)", "echo \($0) > state.txt") } + [Self.final]
                                 + [Self.shell("f1", "cat state.txt"), Self.final])
        let queue = RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix)
        let worker = try WorkerProcess(cli, ["--concurrency", "1"],
                                       env: ["SWISSAGENT_LLM_URL": session.baseURL, "SWISSAGENT_LLM_MODEL": "test-model"])
        defer { worker.signal(SIGTERM) }
        let id = try await queue.enqueue(try JobSpecParser().parse(Data(#"{"task":"Count to four."}"#.utf8)))
        #expect(try await waitUntil(seconds: 90) { try await queue.job(id: id)?.state == .succeeded }, "\(worker.output)")
        let forked = try await cli.run("jobs", "fork", id, "--turn", "2")
        #expect(forked.status == 0, "\(forked.stderr)")
        let fork = forked.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try await waitUntil(seconds: 90) { try await queue.job(id: fork)?.state.isTerminal ?? false })
        #expect(try await queue.job(id: fork)?.state == .succeeded)
        let requests = try await session.requests()
        let result = messages(requests, 6).last { $0["role"] as? String == "tool" }?["content"] as? String ?? ""
        #expect(result.hasPrefix("2\n"), "the fork sees turn 2's file, not turn 4's: \(result)")
        try await cli.cleanup()
    }

    /// A plan goes on after its last finished step (which is not run again), in a workspace as that
    /// step left it; `requeue --from-step` gets the workspace of the step before too.
    @Test func aPlanKilledInItsSecondStepGoesOnFromItWithTheFirstStepsFiles() async throws {
        let cli = try CLI()
        let queue = RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix)
        let roots = (1...2).map { NSTemporaryDirectory() + "swissagent-plan-\($0)-" + JobID.make() }
        defer { for r in roots { try? FileManager.default.removeItem(atPath: r) } }
        func worker(_ root: String) throws -> WorkerProcess {
            try WorkerProcess(cli, ["--concurrency", "1", "--lease", "2"], env: ["SWISSAGENT_WORKSPACES": root])
        }
        let steps = ["echo ran-one; echo one > a.txt", "echo begin; until [ -e go ]; do sleep 0.1; done", "echo \"read $(cat a.txt)\""]
        let spec = JobSpec(steps: steps.map { StepSpec(tool: "shell", input: ["command": .string($0)]) }, maxAttempts: 3)
        let first = try worker(roots[0])
        let id = try await queue.enqueue(spec)
        func count(_ word: String) async throws -> Int { try await queue.lastOutput(id: id, count: 200).filter { $0.text.contains(word) }.count }
        #expect(try await waitUntil(seconds: 90) { try await count("begin") == 1 }, "\(first.output)")
        first.signal(SIGKILL)
        _ = await first.exitStatus(within: 30)
        let second = try worker(roots[1])
        defer { second.signal(SIGTERM) }
        #expect(try await waitUntil(seconds: 90) { try await count("begin") == 2 }, "\(second.output)")
        // The second attempt's step 2 waits for `go` in its own workspace, under the second root.
        for owner in (try? FileManager.default.contentsOfDirectory(atPath: roots[1])) ?? [] {
            for dir in (try? FileManager.default.contentsOfDirectory(atPath: roots[1] + "/" + owner)) ?? [] where dir.hasPrefix(id) {
                _ = FileManager.default.createFile(atPath: "\(roots[1])/\(owner)/\(dir)/work/go", contents: Data())
            }
        }
        #expect(try await waitUntil(seconds: 90) { try await queue.job(id: id)?.state.isTerminal ?? false })
        let job = try #require(try await queue.job(id: id))
        #expect(job.state == .succeeded, "\(job.lastError ?? "") \(second.output)")
        #expect(try await count("ran-one") == 1, "step 1 is not run again")
        #expect(try await count("going on at step 2: workspace restored from the checkpoint after step 1") == 1)
        #expect(try await count("read one") == 1, "step 3 reads what step 1 wrote, on another worker")
        #expect(job.steps.first?.keptFrom != nil)

        // Requeued from step 3: steps 1 and 2 are kept, and step 3 finds a.txt again.
        let requeued = try await cli.run("jobs", "requeue", id, "--from-step", "3")
        #expect(requeued.status == 0, "\(requeued.stderr)")
        #expect(try await waitUntil(seconds: 90) { try await count("read one") == 2 }, "\(second.output)")
        #expect(try await count("ran-one") == 1)
        try await cli.cleanup()
    }

    /// A job's files go with it however it goes: here deleted the way the console does (the queue
    /// alone), and swept from the store by a worker.
    @Test func aDeletedJobsFilesAreSweptByTheWorker() async throws {
        let cli = try CLI()
        let queue = RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix)
        let worker = try WorkerProcess(cli, ["--concurrency", "1"])
        defer { worker.signal(SIGTERM) }
        let id = try await queue.enqueue(JobSpec(steps: [StepSpec(tool: "shell", input: ["command": "head -c 5000 /dev/zero > out.bin"])]))
        #expect(try await waitUntil(seconds: 90) { try await queue.job(id: id)?.state == .succeeded }, "\(worker.output)")
        let bytes = try #require(try await queue.job(id: id)?.artifactBytes)
        #expect(bytes > 5000)
        #expect(try await cli.run("jobs", "show", id).stdout.contains("in the artifact store"))
        #expect(try await queue.metrics(queue: "default").artifactStored == bytes)
        let folder = cli.artifactsFolder + "/_/" + id
        #expect(FileManager.default.fileExists(atPath: folder + "/files.json"))
        #expect(try await queue.delete(id: id) == .deleted)
        #expect(try await waitUntil(seconds: 90) { !FileManager.default.fileExists(atPath: folder + "/files.json") }, "\(worker.output)")
        #expect(try await queue.metrics(queue: "default").artifactStored == 0)
        try await cli.cleanup()
    }

    /// An artifact store that cannot be reached ends the attempt with a clear error and the job is
    /// retried; the store's secret is in none of it.
    @Test func aStoreThatIsDownRetriesTheJobWithAClearError() async throws {
        let cli = try CLI()
        let queue = RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix)
        let secret = "s3-secret-" + JobID.make()
        // Port 9 (discard) has no listener here: the connection is refused.
        let worker = try WorkerProcess(cli, ["--concurrency", "1"], env: [
            "SWISSAGENT_ARTIFACTS": "s3://artifacts/down", "AWS_ACCESS_KEY_ID": "AKIDOWN", "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9",
        ])
        defer { worker.signal(SIGTERM) }
        let id = try await queue.enqueue(JobSpec(steps: [StepSpec(tool: "shell", input: ["command": "echo hi > a.txt"])], maxAttempts: 2))
        #expect(try await waitUntil(seconds: 90) { try await queue.job(id: id)?.lastError != nil }, "\(worker.output)")
        let job = try #require(try await queue.job(id: id))
        #expect(job.state == .retrying || job.state == .pending || job.state == .active || job.state == .failed)
        let error = job.lastError ?? ""
        #expect(error.contains("cannot checkpoint the workspace") && error.contains("s3://artifacts/down/"), "\(error)")
        #expect(job.history.contains { $0.event == "retry_scheduled" }, "\(job.history.map(\.event))")
        #expect(!error.contains(secret) && !worker.output.contains(secret))
        try await cli.cleanup()
    }
}
