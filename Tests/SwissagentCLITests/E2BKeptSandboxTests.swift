import AgentCore
import Foundation
import RedisQueue
import TestServers
import Testing

/// An E2B job keeps its sandbox across attempts: real worker processes, the E2B test server (create,
/// connect, pause as E2B's API has them), the scripted chat server, and the artifact store.
@Suite(.serialized) struct E2BKeptSandboxTests {
    typealias Rig = DurableRunTests.Rig

    static func write(_ id: String, _ path: String, _ content: String) -> [String: Any] {
        let arguments = String(decoding: try! JSONSerialization.data(withJSONObject: ["path": path, "content": content]), as: UTF8.self)
        return ["tool_calls": [["id": id, "name": "write_file", "arguments": arguments]], "input_tokens": 100, "output_tokens": 10]
    }

    static func shell(_ id: String, _ command: String) -> [String: Any] {
        let arguments = String(decoding: try! JSONSerialization.data(withJSONObject: ["command": command]), as: UTF8.self)
        return ["tool_calls": [["id": id, "name": "shell", "arguments": arguments]], "input_tokens": 100, "output_tokens": 10]
    }

    /// The messages of the model request `i`.
    func messages(_ requests: [[String: Any]], _ i: Int) -> [[String: Any]] {
        ((requests[safe: i]?["body"] as? [String: Any])?["messages"] as? [[String: Any]]) ?? []
    }

    func lastUserNote(_ requests: [[String: Any]], _ i: Int) -> String {
        messages(requests, i).last { ($0["content"] as? String)?.hasPrefix("Note from the worker") == true }?["content"] as? String ?? ""
    }

    func toolResult(_ requests: [[String: Any]], _ i: Int) -> String {
        messages(requests, i).last { $0["role"] as? String == "tool" }?["content"] as? String ?? ""
    }

    /// Turn 1 writes notes.txt, turn 2's shell call holds (on a file outside the sandbox) until the
    /// test lets it go, turn 3 reads notes.txt.
    func scriptKill(_ rig: Rig) async throws {
        try await rig.session.script([Self.write("c1", "notes.txt", "kept\n"), rig.countedCall("c2", held: true),
                                      Self.shell("c3", "cat notes.txt"), ["text": "final", "input_tokens": 100, "output_tokens": 10]])
    }

    @Test func aResumedAttemptConnectsToTheSameSandbox() async throws {
        let rig = try Rig()
        try await scriptKill(rig)
        let first = try rig.worker()
        let id = try await rig.submit()
        let started = try await waitUntil { rig.runs == 1 }
        let why = try await rig.queue.job(id: id)?.lastError ?? ""
        #expect(started, "\(why) \(first.output)")
        let sandbox = try #require(try await rig.e2b.sandboxes().first { $0.value["swissagent_job"] == id }?.key)
        first.signal(SIGKILL)
        _ = await first.exitStatus(within: 30)
        let second = try rig.worker()
        defer { second.signal(SIGTERM) }
        let job = try await rig.finished(id)
        #expect(job.state == .succeeded, "\(job.lastError ?? "") \(second.output)")
        #expect(try await rig.e2b.calls("POST /sandboxes") == 1, "no second sandbox was made")
        #expect(try await rig.e2b.calls("POST /sandboxes/{id}/connect") == 1)
        let requests = try await rig.session.requests()
        #expect(lastUserNote(requests, 2).contains("same sandbox"), "\(lastUserNote(requests, 2))")
        #expect(lastUserNote(requests, 2).contains("are as they were then"))
        #expect(toolResult(requests, 3).contains("kept"))
        #expect(job.sandbox == "e2b:\(sandbox)")
        // The job ended: its sandbox is gone.
        #expect(try await rig.e2b.states()[sandbox] == nil)
        try await rig.cleanup()
    }

    @Test func aSandboxGoneMeanwhileFallsBackToANewOneAndTheCheckpoint() async throws {
        let rig = try Rig()
        try await scriptKill(rig)
        let first = try rig.worker()
        let id = try await rig.submit()
        #expect(try await waitUntil { rig.runs == 1 })
        let sandbox = try #require(try await rig.e2b.sandboxes().first { $0.value["swissagent_job"] == id }?.key)
        first.signal(SIGKILL)
        _ = await first.exitStatus(within: 30)
        _ = try await rig.e2b.control("POST", "/_test/vanish/\(sandbox)")
        let second = try rig.worker()
        defer { second.signal(SIGTERM) }
        let job = try await rig.finished(id)
        #expect(job.state == .succeeded, "\(job.lastError ?? "") \(second.output)")
        #expect(try await rig.e2b.calls("POST /sandboxes") == 2)
        let requests = try await rig.session.requests()
        #expect(lastUserNote(requests, 2).contains("new sandbox") && lastUserNote(requests, 2).contains("restored as it was after turn 1"),
                "\(lastUserNote(requests, 2))")
        #expect(toolResult(requests, 3).contains("kept"), "the new sandbox has the checkpoint's files")
        try await rig.cleanup()
    }

    @Test func aParkedJobsSandboxIsPausedAndResumedAndItsFilesChecked() async throws {
        let rig = try Rig()
        try await rig.session.script([Self.write("c1", "notes.txt", "kept\n"), rig.countedCall("c2"), Self.shell("c3", "cat notes.txt"),
                                      ["text": "final", "input_tokens": 100, "output_tokens": 10]])
        let worker = try rig.worker()
        defer { worker.signal(SIGTERM) }
        let id = try await rig.submit(#","approve":["shell"]"#)
        #expect(try await waitUntil { try await rig.queue.job(id: id)?.state == .awaiting })
        let sandbox = try #require(try await rig.e2b.sandboxes().first { $0.value["swissagent_job"] == id }?.key)
        #expect(try await waitUntil { try await rig.e2b.states()[sandbox] == "paused" }, "a parked job's sandbox is paused")
        // E2B's pitfall: files lost while paused. The resumed attempt finds out and puts them back.
        _ = try await rig.e2b.control("POST", "/_test/lose-files/\(sandbox)")
        let firstAsk = try #require(try await rig.queue.job(id: id)?.approval?.id)
        #expect(try await rig.queue.decideApproval(id: id, call: nil, decision: ApprovalDecision(approved: true, by: "test", at: 0)) == .approved)
        // The second shell call waits for approval too.
        #expect(try await waitUntil {
            let job = try await rig.queue.job(id: id)
            return job?.state == .awaiting && job?.approval?.id != firstAsk
        })
        #expect(try await rig.queue.decideApproval(id: id, call: nil, decision: ApprovalDecision(approved: true, by: "test", at: 0)) == .approved)
        let job = try await rig.finished(id)
        #expect(job.state == .succeeded, "\(job.lastError ?? "") \(worker.output)")
        #expect(try await rig.e2b.calls("POST /sandboxes") == 1)
        #expect(try await rig.e2b.calls("POST /sandboxes/{id}/pause") == 2)
        #expect(try await rig.e2b.calls("POST /sandboxes/{id}/connect") == 2)
        #expect(rig.runs == 1)
        let requests = try await rig.session.requests()
        #expect(toolResult(requests, 3).contains("kept"), "the lost file was put back from the checkpoint")
        let transcript = try await rig.queue.transcript(id: id)
        #expect(transcript.contains { $0.kind == .note && $0.text.hasPrefix("workspace restored from the checkpoint after turn") })
        #expect(try await rig.e2b.states()[sandbox] == nil)
        try await rig.cleanup()
    }
}
