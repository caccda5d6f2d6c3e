import AgentCore
import Testing

@Suite struct ApprovalRulesTests {
    /// A rule meant to gate commands gates every tool that runs a process: a bash code cell, or a
    /// python cell calling `sh`, is a command too.
    @Test func aShellRuleGatesCodeCellsToo() {
        let rules = ApprovalRules(tools: ["shell"])
        let bash = StepSpec(tool: "code", input: ["language": "bash", "source": "rm -rf /workspace/*"])
        let python = StepSpec(tool: "code", input: ["language": "python", "source": "import os; os.system('sh -c id')"])
        #expect(rules.reason(for: bash) == "code runs a process, and shell calls need approval")
        #expect(rules.reason(for: python) != nil)
        #expect(rules.reason(for: StepSpec(tool: "shell", input: ["command": "ls"])) == "shell calls need approval")
        #expect(rules.reason(for: StepSpec(tool: "read_file", input: ["path": "a.txt"])) == nil)
        #expect(ApprovalRules(tools: ["code"]).reason(for: StepSpec(tool: "shell", input: ["command": "ls"])) != nil)
    }
}

@Suite struct BrowserApprovalTests {
    /// Approvals name the browser's tools like any other; the network rule holds a navigation that asks for it.
    @Test func browserToolsAreGatedByNameAndByTheNetwork() {
        let navigate = StepSpec(tool: "browser_navigate", input: ["url": "https://example.com/"])
        #expect(ApprovalRules(tools: ["browser_navigate"]).reason(for: navigate) == "browser_navigate calls need approval")
        var networked = navigate
        networked.network = true
        #expect(ApprovalRules(network: true).reason(for: networked) == "it asks for the network")
        #expect(ApprovalRules(tools: ["shell"]).reason(for: navigate) == nil)
    }
}
