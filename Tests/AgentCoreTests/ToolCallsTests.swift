import AgentCore
import Foundation
import Testing

/// What a model's tool call becomes: a step, the answer, or a mistake the model is told about.
@Suite struct ToolCallsTests {
    let router = ToolRouter()
    func read(_ name: String, _ arguments: String) -> ToolCallReading {
        ToolCalls.read(ToolCall(id: "c1", name: name, arguments: arguments), router: router)
    }

    @Test func theModelSeesEveryRegisteredToolAndFinish() {
        let tools = ToolCalls.definitions(router)
        #expect(tools.map(\.name) == ["code", "read_file", "shell", "write_file", "finish"])
        #expect(tools.allSatisfy { !$0.description.isEmpty && $0.parameters["type"] == "object" })
        #expect(tools.first { $0.name == "shell" }?.parameters["required"] == ["command"])
        #expect(tools.first { $0.name == "code" }?.parameters["properties"]?["language"]?["enum"] == ["bash", "node", "python"])
    }

    @Test func aGoodCallIsAStepWithTheSameInputAsAnExplicitOne() {
        #expect(read("write_file", #"{"path":"a.txt","content":"hi\n"}"#)
                == .step(StepSpec(tool: "write_file", input: ["path": "a.txt", "content": "hi\n"])))
        #expect(read("finish", #" {"answer": "42"} "#) == .finish(answer: "42"))
    }

    @Test func everyMistakeIsSaidNotThrown() {
        let cases: [(String, String, String)] = [
            ("shell", #"{"command": "ls"#, "are not valid JSON"),
            ("shell", #"["ls"]"#, "must be a JSON object, got an array"),
            ("shell", "{}", #"shell needs "command" (it takes command)"#),
            ("shell", "", #"shell needs "command""#),
            ("shell", #"{"command": 5}"#, #"shell: "command" must be a string, got a number"#),
            ("shell", #"{"command": "ls", "cwd": "/"}"#, #"shell takes no "cwd""#),
            ("code", #"{"language": "cobol", "source": "x"}"#, #""language" must be one of bash, node, python"#),
            ("rm_rf", "{}", "unknown tool \"rm_rf\": use one of code, read_file, shell, write_file, finish"),
            ("finish", #"{"answer": null}"#, #"finish needs "answer""#),
        ]
        for (tool, arguments, expected) in cases {
            guard case .mistake(let why) = read(tool, arguments) else { Issue.record("\(tool) \(arguments) was accepted"); continue }
            #expect(why.contains(expected), "\(why)")
        }
    }

    @Test func longOutputKeepsItsHeadAndTail() {
        #expect(ToolCalls.cut("short", limit: 100) == "short")
        let text = "BEGIN " + String(repeating: "é", count: 5000) + " END"
        let cut = ToolCalls.cut(text, limit: 1000)
        #expect(cut.utf8.count <= 1000 && cut.hasPrefix("BEGIN ") && cut.hasSuffix(" END"))
        #expect(cut.contains("bytes of output cut") && !cut.contains("\u{FFFD}"))
    }

    @Test func anExplicitStepIsCheckedAgainstTheSameSchema() {
        #expect(throws: JobSpecError.self) { _ = try JobSpecParser().parse(Data(#"{"steps":[{"tool":"code","input":{"language":"python"}}]}"#.utf8)) }
        do {
            _ = try JobSpecParser().parse(Data(#"{"steps":[{"tool":"write_file","input":{"path":"a"}}]}"#.utf8))
        } catch {
            #expect(error.description == "steps[0].input.content: missing (the write_file tool needs it)")
        }
    }
}
