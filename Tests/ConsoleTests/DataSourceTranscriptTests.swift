import AgentCore
import Console
import Foundation
import Redis
import RedisQueue
import RedisTestSupport
import TestServers
import Testing

/// The transcript screen's reader against a real Redis of its own (so its command count is its own).
@Suite struct DataSourceTranscriptTests {
    func commands(_ client: RedisClient) async throws -> Int {
        let info = try await client.call("INFO", "stats").text ?? ""
        let line = info.split(whereSeparator: \.isNewline).first { $0.hasPrefix("total_commands_processed:") } ?? ""
        return Int(line.split(separator: ":").last ?? "") ?? -1
    }

    /// Stored entries and streamed words reach the feed; a job that does not exist is waited on, not spun on.
    @Test func followsStoredAndStreamedAndDoesNotSpinOnNothing() async throws {
        let server = try RedisTestServer.start()
        defer { server.kill9() }
        let client = try RedisClient(url: server.url)
        let queue = RedisJobQueue(client: client, prefix: "t:")
        let source = DataSource(queue: queue)
        source.want(DataRequest(screen: .transcript(id: "no-such-job")))
        let running = Task { await source.run() }
        defer { running.cancel() }
        try await Task.sleep(for: .milliseconds(300))
        let before = try await commands(client)
        try await Task.sleep(for: .seconds(1))
        let spent = try await commands(client) - before
        // The queue poll (once a second) and the follower's waits: a few dozen commands, not thousands.
        #expect(spent >= 0 && spent < 150, "\(spent) commands in a second for a job that does not exist")

        guard let job = try await queue.enqueueClaimed(JobSpec(task: "Say hi.", maxAttempts: 1), worker: "t", lease: 60) else {
            Issue.record("not stored"); return
        }
        source.want(DataRequest(screen: .transcript(id: job.id)))
        let turn = TranscriptEntry(.modelCall, "turn 1", inputTokens: 5, outputTokens: 1, seconds: 0.1, at: 1_800_000_000)
        try await queue.appendTranscript(job.token, model: "m", entries: [TranscriptEntry(.user, "Say hi.", at: 1_799_999_999)])
        try await queue.appendOutput(job.token, events: [OutputEvent(step: 0, stream: .model, text: "Hel")])
        #expect(try await waitUntil(seconds: 60) { source.snapshot.0.transcript.live.text == "Hel" && source.snapshot.0.transcript.entries.count == 1 })
        try await queue.appendOutput(job.token, events: [OutputEvent(step: 0, stream: .model, text: "lo."),
                                                         OutputEvent(step: 0, stream: .agent, text: turn.json())])
        try await queue.appendTranscript(job.token, model: "m", entries: [turn, TranscriptEntry(.assistant, "Hello.", at: 1_800_000_000.1)])
        #expect(try await waitUntil(seconds: 60) {
            source.snapshot.0.transcript.entries.count == 3 && source.snapshot.0.transcript.live.text.isEmpty
        })
        let feed = source.snapshot.0.transcript
        #expect(feed.jobID == job.id && feed.live.text.isEmpty, "\(feed.live)")
        #expect(feed.entries.map(\.kind) == [.user, .modelCall, .assistant])
    }
}
