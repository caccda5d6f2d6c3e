import AgentCore
import ArgumentParser

/// The worker's own approval rules: every job it runs waits for a person on these calls, whatever
/// the job says (a job's `approve` only adds to them).
public struct ApprovalOptions: ParsableArguments, Sendable {
    public init() {}

    @Option(name: .customLong("approve"), help: "A tool whose calls wait for a person (\"*\": every tool; repeat for several).")
    public var tools: [String] = []

    @Flag(help: "Every step that asks for the network waits for a person.")
    public var approveNetwork = false

    @Option(name: .customLong("approve-command"), help: "A regular expression: commands (and code) matching it wait for a person (repeatable).")
    public var commands: [String] = []

    @Option(help: "Seconds a call waits for a person before it counts as denied; a job may ask for less, never more.")
    public var approvalTimeout: Double = 600

    public func validate() throws {
        guard approvalTimeout > 0, approvalTimeout <= 86_400 else { throw ValidationError("--approval-timeout must be 1...86400 seconds") }
        for t in tools where t != "*" && !JobSpecParser.isValidName(t) { throw ValidationError("--approve \(t): not a tool name") }
        for c in commands {
            do { try ApprovalRules.check(pattern: c, path: "--approve-command") } catch { throw ValidationError(error.description) }
        }
    }

    public var rules: ApprovalRules { ApprovalRules(tools: Set(tools), network: approveNetwork, commands: commands) }

    public func apply(to supervisor: Supervisor) -> Supervisor {
        var s = supervisor
        s.approvals = rules
        s.approvalTimeout = approvalTimeout
        return s
    }
}
