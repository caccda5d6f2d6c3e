import AgentCore
import Foundation
import Testing

/// Patterns a job or a person writes run against a clock: one that backtracks without end gives up
/// within its budget, approval rules then fail closed, and ordinary patterns match as before.
/// (The time limit is what a missing budget would break: `(a+)+$` on 40 "a" runs for hours.)
@Suite(.timeLimit(.minutes(1))) struct RegexBudgetTests {
    static let evil = "(a+)+$"
    static let bait = String(repeating: "a", count: 40) + "!"

    @Test func aPatternThatBacktracksWithoutEndGivesUp() throws {
        let budget = RegexBudget(seconds: 0.05)
        let re = try NSRegularExpression(pattern: Self.evil)
        #expect(budget.firstMatch(re, in: Self.bait) == nil)
        #expect(budget.exhausted)
        // Spent is spent: every later match gives up too, even one that would be quick.
        #expect(budget.firstMatch(try NSRegularExpression(pattern: "a"), in: "a") == nil)
    }

    /// ICU stops on its own when its backtracking stack passes 8 MB; that is not "no match".
    @Test func aMatchICUGivesUpOnIsNotANoMatch() throws {
        let re = try NSRegularExpression(pattern: #"(\S|\s)*rm"#)
        let budget = RegexBudget(seconds: 5)
        #expect(budget.firstMatch(re, in: String(repeating: "x ", count: 500_000)) == nil)
        #expect(budget.exhausted)
        let rules = try ApprovalRules.parse(["command": [#"(\S|\s)*rm"#]])
        let reason = rules.reason(for: StepSpec(tool: "shell", input: ["command": .string(String(repeating: "x ", count: 500_000) + "rm")]))
        #expect(reason?.hasPrefix("its command could not be checked against") == true, "\(reason ?? "nil")")
    }

    @Test func ordinaryPatternsMatchAndLeaveBudget() throws {
        // Generous: a loaded machine may stall a thread for a moment, and these must not run out.
        let budget = RegexBudget(seconds: 30)
        #expect(budget.firstMatch(try NSRegularExpression(pattern: #"rm\s+-rf"#), in: "cd /; rm  -rf x") == true)
        #expect(budget.firstMatch(try NSRegularExpression(pattern: "^curl"), in: "wget x") == false)
        #expect(budget.firstMatch(try NSRegularExpression(pattern: Self.evil), in: "aaaa") == true)
        #expect(!budget.exhausted)
    }

    @Test func anApprovalRuleThatCannotBeCheckedInTimeAsksForApproval() throws {
        let rules = try ApprovalRules.parse(["command": ["^never", .string(Self.evil)]])
        let step = StepSpec(tool: "shell", input: ["command": .string(Self.bait)])
        #expect(rules.reason(for: step) == "its command could not be checked against /\(Self.evil)/ within \(ApprovalRules.matchSeconds) s")
        #expect(rules.reason(for: StepSpec(tool: "shell", input: ["command": "aaaa"])) == "its command matches /\(Self.evil)/")
        #expect(rules.reason(for: StepSpec(tool: "shell", input: ["command": "ls"])) == nil)
    }

    @Test func aJobFilterGivesUpAndMatchesNothingMore() {
        let budget = RegexBudget(seconds: 0.05)
        let matches = JobFilter(text: Self.evil, regex: true).matcher(budget: budget)
        let job = JobSummary(id: "j1", queue: "default", state: .failed, tools: "shell", attempts: 1, maxAttempts: 1, worker: nil,
                             lastError: Self.bait, createdAt: nil, updatedAt: nil, tenant: nil)
        #expect(!matches(job))
        #expect(budget.exhausted)
    }
}
