import AgentCore
import Console
import Foundation
import Testing

/// The transcript screen's feed: stored entries and streamed words, each turn shown once.
@Suite struct TranscriptFeedTests {
    func call(_ n: Int, at: Double) -> TranscriptEntry { TranscriptEntry(.modelCall, "turn \(n)", inputTokens: 10, outputTokens: 2, at: at) }
    func words(_ text: String) -> OutputEvent { OutputEvent(step: 0, stream: .model, text: text) }
    func typed(_ e: TranscriptEntry) -> OutputEvent { OutputEvent(step: 0, stream: .agent, text: e.json()) }

    /// Words stream, the turn ends in the stream, and a moment later it is stored: the words show
    /// until then, and only once.
    @Test func aStreamedTurnShowsUntilItIsStored() {
        var f = TranscriptFeed(jobID: "j")
        f.streamed([words("Look"), words("ing at it.")], now: Date())
        #expect(f.live.text == "Looking at it." && f.live.open)
        let turn = call(1, at: 100)
        f.streamed([typed(turn)], now: Date())
        #expect(f.live.text == "Looking at it." && !f.live.open)
        f.streamed([words("Next")], now: Date())
        #expect(f.live.text == "Looking at it.Next" && f.live.open)
        f.stored([turn, TranscriptEntry(.assistant, "Looking at it.", at: 100.1)], read: 2)
        #expect(f.live.text == "Next" && f.live.open)
        #expect(f.entries.count == 2 && f.storedRead == 2)
    }

    /// A follower that starts after a turn was stored reads its end again from the stream's tail: nothing doubles.
    @Test func aTurnStoredBeforeItsStreamIsReadIsNotShownTwice() {
        var f = TranscriptFeed(jobID: "j")
        let turn = call(1, at: 100)
        f.stored([turn, TranscriptEntry(.assistant, "Done.", at: 100.1)], read: 2)
        f.streamed([words("Done."), typed(turn)], now: Date())
        #expect(f.live.text.isEmpty && !f.live.open)
        f.streamed([words("And")], now: Date())
        #expect(f.live.text == "And")
    }

    /// Stored items that do not read as entries still move the read position; typed events that
    /// are not model calls, or not JSON, end nothing.
    @Test func garbageMovesOnAndEndsNothing() {
        var f = TranscriptFeed(jobID: "j")
        f.stored([], read: 3)
        #expect(f.storedRead == 3)
        f.streamed([words("a"), OutputEvent(step: 0, stream: .agent, text: "{not json"), typed(TranscriptEntry(.toolCall, "{}", tool: "shell"))],
                   now: Date())
        #expect(f.live.text == "a" && f.live.open)
    }

    /// A transcript that is full stores no more turns: the stream keeps only the newest few, and each is capped.
    @Test func aFullTranscriptKeepsFewStreamedTurns() {
        var f = TranscriptFeed(jobID: "j")
        for n in 1...50 { f.streamed([words(String(repeating: "x", count: 100_000)), typed(call(n, at: Double(n)))], now: Date()) }
        #expect(f.live.text.utf8.count <= 8 * (64 << 10) + 8 * 100_000)
        #expect(f.live.text.utf8.count >= 8 * (64 << 10))
    }
}
