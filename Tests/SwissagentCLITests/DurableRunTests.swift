import AgentCore
import Foundation
import Redis
import RedisQueue
import RedisTestSupport
import TestServers
import Testing

/// An agent run whose worker is SIGKILLed goes on where it stopped on the next worker: real worker
/// processes, Redis, the scripted chat server counting requests, and the E2B test server running the
/// calls on this host, so each call can count its runs in a file outside any sandbox.
@Suite(.serialized) struct DurableRunTests {
    static let e2bKey = "e2b_durable_0123456789"

    /// One test's parts: its queue, model session, E2B server, and the files its calls touch.
    struct Rig {
        let cli: CLI
        let session: ChatSession
        let e2b: E2BTestServer
        let queue: RedisJobQueue
        /// Each run of a counted call adds a line here.
        let counter: String
        /// A held call goes on once this exists.
        let release: String

        init() throws {
            cli = try CLI()
            session = try ChatSession()
            e2b = try E2BTestServer(key: DurableRunTests.e2bKey)
            queue = RedisJobQueue(client: try RedisClient(url: cli.redisURL), prefix: cli.prefix)
            let base = NSTemporaryDirectory() + "swissagent-durable-" + session.name
            counter = base + ".count"
            release = base + ".release"
        }

        /// A worker with a short lease, so a killed one's job comes back soon.
        func worker() throws -> WorkerProcess {
            try WorkerProcess(cli, ["--concurrency", "1", "--lease", "2"],
                              env: ["SWISSAGENT_LLM_URL": session.baseURL, "SWISSAGENT_LLM_MODEL": "test-model",
                                    "E2B_API_KEY": DurableRunTests.e2bKey, "E2B_API_URL": e2b.base, "E2B_SANDBOX_URL": e2b.base])
        }

        func submit(_ extra: String = "") async throws -> String {
            try await queue.enqueue(try JobSpecParser().parse(Data(#"{"task":"Count.","sandbox":"e2b","max_attempts":3\#(extra)}"#.utf8)))
        }

        /// A shell call that counts its run; with `held`, it then waits for `release`.
        func countedCall(_ id: String, held: Bool = false) -> [String: Any] {
            let wait = held ? "; while [ ! -e \(release) ]; do sleep 0.05; done" : ""
            let command = "echo ran >> \(counter)\(wait); echo counted"
            let arguments = String(decoding: try! JSONSerialization.data(withJSONObject: ["command": command]), as: UTF8.self)
            return ["tool_calls": [["id": id, "name": "shell", "arguments": arguments]], "input_tokens": 100, "output_tokens": 10]
        }

        /// SIGKILLs `worker` once the model server has had `requests` requests (its stream held), lets
        /// the held stream go, and starts the next worker; returns the job as that one finishes it.
        func killAfter(requests: Int, _ worker: WorkerProcess, job id: String) async throws -> (JobRecord, WorkerProcess) {
            #expect(try await waitUntil { try await session.requests().count == requests })
            worker.signal(SIGKILL)
            _ = await worker.exitStatus(within: 30)
            try await session.release()
            let next = try self.worker()
            let job = try await finished(id)
            #expect(job.state == .succeeded && job.result == "final", "\(job.lastError ?? "") \(next.output)")
            return (job, next)
        }

        var runs: Int { ((try? String(contentsOfFile: counter, encoding: .utf8)) ?? "").split(separator: "\n").count }

        func finished(_ id: String) async throws -> JobRecord {
            #expect(try await waitUntil(seconds: 90) { try await queue.job(id: id)?.state.isTerminal ?? false })
            return try #require(try await queue.job(id: id))
        }

        func cleanup() async throws {
            FileManager.default.createFile(atPath: release, contents: nil)  // a call left running by a killed worker ends
            try? FileManager.default.removeItem(atPath: counter)
            try await cli.cleanup()
        }
    }

    /// The messages of the model request `i`.
    func messages(_ requests: [[String: Any]], _ i: Int) -> [[String: Any]] {
        ((requests[safe: i]?["body"] as? [String: Any])?["messages"] as? [[String: Any]]) ?? []
    }

    @Test func killedDuringACallItIsNotRunAgainAndTheModelIsToldSo() async throws {
        let rig = try Rig()
        try await rig.session.script([rig.countedCall("c1", held: true), ["text": "final", "input_tokens": 100, "output_tokens": 10]])
        let first = try rig.worker()
        let id = try await rig.submit()
        #expect(try await waitUntil { rig.runs == 1 })
        first.signal(SIGKILL)
        _ = await first.exitStatus(within: 30)
        let second = try rig.worker()
        defer { second.signal(SIGTERM) }
        let job = try await rig.finished(id)
        #expect(job.state == .succeeded && job.result == "final", "\(job.lastError ?? "") \(second.output)")
        let requests = try await rig.session.requests()
        #expect(requests.count == 2, "the stored turn is not asked again")
        #expect(rig.runs == 1, "the interrupted call does not run twice")
        let told = try #require(messages(requests, 1).last { $0["role"] as? String == "tool" })
        #expect((told["content"] as? String)?.contains("was not run again") == true)
        #expect((messages(requests, 1).last?["content"] as? String)?.contains("new sandbox") == true)
        let transcript = try await rig.queue.transcript(id: id)
        #expect(transcript.contains { $0.kind == .note && $0.text.hasPrefix("attempt 2 resumed at turn 2 from the journal after worker ")
                && $0.text.contains("stopped (its lease ran out") && $0.text.hasSuffix("the shell call had started and was interrupted") },
                "\(transcript.filter { $0.kind == .note }.map(\.text))")
        #expect(job.agent?.turns == 2)
        try await rig.cleanup()
    }

    /// The run that used to start over (5 requests for 3, 67% more tokens, both calls twice): a
    /// file write, then a shell command during which the worker is SIGKILLed.
    @Test func killedDuringItsSecondCallNothingIsAskedPaidOrRunTwice() async throws {
        let rig = try Rig()
        let write = ["tool_calls": [["id": "c1", "name": "write_file", "arguments": #"{"path":"notes.txt","content":"draft\n"}"#]],
                     "input_tokens": 100, "output_tokens": 10] as [String: Any]
        try await rig.session.script([write, rig.countedCall("c2", held: true), ["text": "final", "input_tokens": 100, "output_tokens": 10]])
        let first = try rig.worker()
        let id = try await rig.submit()
        #expect(try await waitUntil { rig.runs == 1 })
        let writesBefore = try await rig.e2b.calls("envd POST /files")
        first.signal(SIGKILL)
        _ = await first.exitStatus(within: 30)
        let second = try rig.worker()
        defer { second.signal(SIGTERM) }
        let job = try await rig.finished(id)
        #expect(job.state == .succeeded && job.result == "final", "\(job.lastError ?? "") \(second.output)")
        #expect(try await rig.session.requests().count == 3, "as many requests as a run that was not interrupted")
        #expect(job.agent?.turns == 3 && job.agent?.inputTokens == 300 && job.agent?.outputTokens == 30, "no token paid twice")
        #expect(try await rig.e2b.calls("envd POST /files") == writesBefore, "the file was not written again")
        #expect(rig.runs == 1, "the shell command ran once")
        try await rig.cleanup()
    }

    @Test func killedWhileTheModelStreamsOnlyThatTurnIsAskedAgain() async throws {
        let rig = try Rig()
        var held = rig.countedCall("c1")
        held["hold_after"] = 1
        try await rig.session.script([held, rig.countedCall("c1"), ["text": "final"]])
        let id = try await rig.submit()
        let (_, second) = try await rig.killAfter(requests: 1, try rig.worker(), job: id)
        defer { second.signal(SIGTERM) }
        #expect(try await rig.session.requests().count == 3, "one request more than a run that was not interrupted")
        #expect(rig.runs == 1)
        try await rig.cleanup()
    }

    @Test func killedAfterAResultWasStoredTheCallIsNotRunAgain() async throws {
        let rig = try Rig()
        try await rig.session.script([rig.countedCall("c1"), ["text": "final", "hold_after": 1], ["text": "final"]])
        let id = try await rig.submit()
        let (_, second) = try await rig.killAfter(requests: 2, try rig.worker(), job: id)
        defer { second.signal(SIGTERM) }
        let requests = try await rig.session.requests()
        #expect(requests.count == 3)
        #expect(rig.runs == 1, "the call's result was stored: it is not run again")
        // The resumed request carries the stored result, not a second run's.
        #expect(messages(requests, 2).last { $0["role"] as? String == "tool" }?["content"] as? String == "counted\n")
        try await rig.cleanup()
    }

    /// A call that waits for a person parks the job: the worker's one slot runs another job to its
    /// end meanwhile, a worker killed while the job is parked loses nothing, and the decision wakes
    /// it on whichever worker is there: the call runs once, and the model is not asked again.
    @Test func aParkedJobHoldsNoSlotAndWakesOnTheDecision() async throws {
        let rig = try Rig()
        try await rig.session.script([rig.countedCall("c1"), ["text": "final"]])
        let first = try rig.worker()
        let id = try await rig.submit(#","approve":["shell"]"#)
        #expect(try await waitUntil { try await rig.queue.job(id: id)?.state == .awaiting })
        let parked = try #require(try await rig.queue.job(id: id))
        #expect(parked.approval?.tool == "shell" && parked.worker == nil && parked.leaseUntil == nil)
        #expect(try await rig.queue.stats(queue: "default").awaiting == 1)
        #expect(try await rig.queue.awaiting(queue: "default", offset: 0, limit: 10).map(\.jobID) == [id])
        // The one slot is free: a plain job runs to its end while the call waits.
        let other = try await rig.queue.enqueue(shellJob("echo meanwhile"))
        #expect(try await waitUntil { try await rig.queue.job(id: other)?.state == .succeeded })
        first.signal(SIGKILL)
        _ = await first.exitStatus(within: 30)
        let second = try rig.worker()
        defer { second.signal(SIGTERM) }
        #expect(try await rig.queue.job(id: id)?.state == .awaiting)
        #expect(try await rig.queue.decideApproval(id: id, call: nil, decision: ApprovalDecision(approved: true, by: "test", at: 0)) == .approved)
        let job = try await rig.finished(id)
        #expect(job.state == .succeeded && job.result == "final", "\(job.lastError ?? "") \(second.output)")
        #expect(try await rig.session.requests().count == 2, "the stored turn is not asked again")
        #expect(rig.runs == 1)
        #expect(job.attempts == 1, "parking uses up no attempt")
        #expect(job.history.contains { $0.event == "parked" } && job.history.contains { $0.event == "approved" })
        try await rig.cleanup()
    }

    /// A denial, and the approval's timeout (with no worker watching the clock), each wake the job:
    /// the model gets the reason as the call's result, and the call never runs.
    @Test func aDenialOrTheTimeoutWakesAParkedJob() async throws {
        let rig = try Rig()
        try await rig.session.script([rig.countedCall("c1"), ["text": "understood"], rig.countedCall("c2"), ["text": "gave up"]])
        let worker = try rig.worker()
        defer { worker.signal(SIGTERM) }
        let denied = try await rig.submit(#","approve":["shell"]"#)
        #expect(try await waitUntil { try await rig.queue.job(id: denied)?.state == .awaiting })
        let reason = ApprovalDecision(approved: false, by: "test", reason: "not on a Friday", at: 0)
        #expect(try await rig.queue.decideApproval(id: denied, call: nil, decision: reason) == .denied)
        let first = try await rig.finished(denied)
        #expect(first.state == .succeeded && first.result == "understood", "\(first.lastError ?? "") \(worker.output)")
        let requests = try await rig.session.requests()
        #expect((messages(requests, 1).last { $0["role"] as? String == "tool" }?["content"] as? String)?.contains("not on a Friday") == true)

        let timedOut = try await rig.submit(#","approve":{"tools":["shell"],"timeout_s":1}"#)
        let job = try await rig.finished(timedOut)
        #expect(job.state == .succeeded && job.result == "gave up", "\(job.lastError ?? "") \(worker.output)")
        #expect(job.history.contains { $0.event == "denied" && $0.by == "timeout" })
        #expect(rig.runs == 0, "a denied call never runs")
        try await rig.cleanup()
    }

    /// A fork starts from the first N turns of a finished run: its first model request carries them,
    /// none of them is asked or run again, the original is unchanged, and a fork of a fork works.
    @Test func aForkGoesOnFromItsTurnWithoutAskingThemAgain() async throws {
        let rig = try Rig()
        try await rig.session.script([rig.countedCall("c1"), rig.countedCall("c2"), ["text": "parent done"],
                                      ["text": "fork done"], ["text": "second fork done"], ["text": "parent again"]])
        let worker = try rig.worker()
        defer { worker.signal(SIGTERM) }
        let id = try await rig.submit()
        #expect(try await rig.finished(id).result == "parent done")
        let parentJournal = try await rig.queue.transcript(id: id)
        let forked = try await rig.cli.run("jobs", "fork", id, "--turn", "2", "--message", "Once more, differently.")
        #expect(forked.status == 0, "\(forked.stderr)")
        let fork = forked.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let job = try await rig.finished(fork)
        #expect(job.state == .succeeded && job.result == "fork done", "\(job.lastError ?? "") \(worker.output)")
        let requests = try await rig.session.requests()
        #expect(requests.count == 4, "the fork asked once: its two copied turns were not asked again")
        #expect(rig.runs == 2, "no copied call ran again")
        let sent = messages(requests, 3)
        #expect(sent.map { $0["role"] as? String ?? "" } == ["system", "user", "assistant", "tool", "assistant", "tool", "user", "user"])
        #expect(sent.contains { $0["content"] as? String == "Once more, differently." })
        #expect(try await rig.queue.transcript(id: id) == parentJournal, "the original is unchanged")
        let shown = try #require(try await rig.cli.json("jobs", "show", fork, "--json") as? [String: Any])
        #expect((shown["forked_from"] as? [String: Any])?["job"] as? String == id)
        #expect((shown["usage"] as? [String: Any])?["turns"] as? Int == 1 && (shown["usage"] as? [String: Any])?["turns_replayed"] as? Int == 2)

        let forkAgain = try await rig.cli.run("jobs", "fork", fork, "--turn", "1")
        #expect(forkAgain.status == 0, "\(forkAgain.stderr)")
        let second = try await rig.finished(forkAgain.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(second.result == "second fork done" && rig.runs == 2)
        #expect(try await rig.session.requests().count == 5)
        // A requeued run starts afresh, as requeue promises: the model is asked from the task again.
        #expect(try await rig.cli.run("jobs", "requeue", id).status == 0)
        #expect(try await waitUntil { try await rig.queue.job(id: id)?.result == "parent again" })
        let asked = try await rig.session.requests()
        #expect(asked.count == 6 && messages(asked, 5).count == 2, "system and task only")
        try await rig.cleanup()
    }

    /// A plan requeued --from-step 3 runs steps 3 and 4 only; steps 1 and 2 keep their records.
    @Test func aPlanRequeuedFromAStepRunsOnlyFromThere() async throws {
        let rig = try Rig()
        let worker = try rig.worker()
        defer { worker.signal(SIGTERM) }
        let steps = (1...4).map { StepSpec(tool: "shell", input: ["command": .string("echo ran-step-\($0)")]) }
        let id = try await rig.queue.enqueue(JobSpec(steps: steps, maxAttempts: 1))
        #expect(try await rig.finished(id).state == .succeeded)
        let requeued = try await rig.cli.run("jobs", "requeue", id, "--from-step", "3")
        #expect(requeued.status == 0 && requeued.stdout.contains("from step 3"), "\(requeued.stderr)")
        #expect(try await waitUntil { try await rig.queue.job(id: id)?.history.filter { $0.event == "succeeded" }.count == 2 })
        let output = try await rig.queue.readOutput(id: id, after: "", limit: 1000, wait: 0).map(\.text).joined()
        #expect((1...4).map { n in output.components(separatedBy: "ran-step-\(n)\n").count - 1 } == [1, 1, 2, 2], "\(output)")
        let job = try #require(try await rig.queue.job(id: id))
        #expect(job.steps.map(\.keptFrom) == [1, 1, nil, nil] && job.steps.allSatisfy { $0.status == .succeeded })
        // Refused with the reason: a step out of range, or a job that is not a plan.
        #expect(try await rig.cli.run("jobs", "requeue", id, "--from-step", "9").stderr.contains("from 1 to 4"))
        // A plain requeue afterwards runs every step again: the kept records went with that run.
        #expect(try await rig.cli.run("jobs", "requeue", id).status == 0)
        #expect(try await waitUntil { try await rig.queue.job(id: id)?.history.filter { $0.event == "succeeded" }.count == 3 })
        let again = try await rig.queue.readOutput(id: id, after: "", limit: 1000, wait: 0).map(\.text).joined()
        #expect((1...4).map { n in again.components(separatedBy: "ran-step-\(n)\n").count - 1 } == [2, 2, 3, 3], "\(again)")
        try await rig.cleanup()
    }

    /// A 429 asking for a longer wait than the worker's --rate-limit-wait gives the job back,
    /// scheduled for then: the slot runs another job meanwhile, and the job resumes after the wait.
    @Test func aLongRateLimitWaitSnoozesTheJobInsteadOfHoldingItsSlot() async throws {
        let rig = try Rig()
        try await rig.session.script([["status": 429, "retry_after": 3, "error": "slow down"], ["text": "after the wait"]])
        let worker = try WorkerProcess(rig.cli, ["--concurrency", "1", "--lease", "2", "--rate-limit-wait", "1"],
                                       env: ["SWISSAGENT_LLM_URL": rig.session.baseURL, "SWISSAGENT_LLM_MODEL": "test-model"])
        defer { worker.signal(SIGTERM) }
        let id = try await rig.queue.enqueue(JobSpec(task: "Wait your turn.", maxAttempts: 1))
        #expect(try await waitUntil { try await rig.queue.job(id: id)?.state == .scheduled }, "\(worker.output)")
        let snoozed = try #require(try await rig.queue.job(id: id))
        #expect(snoozed.history.contains { $0.event == "snoozed" && ($0.note ?? "").contains("waits until then") })
        let other = try await rig.queue.enqueue(shellJob("echo meanwhile"))
        #expect(try await waitUntil { try await rig.queue.job(id: other)?.state == .succeeded }, "the slot is free during the wait")
        let job = try await rig.finished(id)
        #expect(job.state == .succeeded && job.result == "after the wait", "\(job.lastError ?? "") \(worker.output)")
        #expect(job.attempts == 1, "the wait used up no attempt")
        try await rig.cleanup()
    }
}
