import AgentCore
import Console
import Foundation
import Testing

/// A model's words arrive a few at a time: the output screen shows them as the lines they make,
/// and an agent's typed events as their one-line form.
@Suite struct OutputLineTests {
    @Test func piecesOfALineJoinAcrossChunksAndReads() throws {
        let now = Date()
        func event(_ stream: OutputEvent.Stream, _ text: String) -> OutputEvent { OutputEvent(step: 0, stream: stream, text: text) }
        var lines = DataSource.split([event(.model, "Let me "), event(.model, "look.\nFirst")], jobID: "j", now: now)
        #expect(lines.map(\.text) == ["Let me look.", "First"] && lines.last?.open == true)
        let call = TranscriptEntry(.toolCall, #"{"command":"ls"}"#, tool: "shell").json()
        OutputLine.append(DataSource.split([event(.model, " I list.\n"), event(.agent, call), event(.stdout, "a.txt\n")], jobID: "j", now: now),
                          to: &lines)
        #expect(lines.map(\.text) == ["Let me look.", "First I list.", #"agent calls shell {"command":"ls"}"#, "a.txt"])
        #expect(lines.map(\.stream) == [.model, .model, .agent, .stdout] && !lines.contains { $0.open })
        // Another job's or another stream's piece never joins an open line.
        var mixed = DataSource.split([event(.stdout, "half")], jobID: "a", now: now)
        OutputLine.append(DataSource.split([event(.stdout, "other\n")], jobID: "b", now: now), to: &mixed)
        OutputLine.append(DataSource.split([event(.stderr, "err\n")], jobID: "a", now: now), to: &mixed)
        #expect(mixed.map(\.text) == ["half", "other", "err"])
    }
}
