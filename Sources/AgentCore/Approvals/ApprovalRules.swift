import Foundation

/// Which tool calls wait for a person: every call of the named tools ("*": of every tool), every
/// step that asks for the network, and every command (a shell command, a code cell's source) that
/// matches one of the patterns. A job's rules add to its worker's; they never take any away.
public struct ApprovalRules: Sendable, Equatable {
    public var tools: Set<String>
    public var network: Bool
    /// Regular expressions (NSRegularExpression syntax), each checked when parsed.
    public var commands: [String]
    /// How long a call waits before it counts as denied; nil: the worker's.
    public var timeoutSeconds: Double?

    public init(tools: Set<String> = [], network: Bool = false, commands: [String] = [], timeoutSeconds: Double? = nil) {
        self.tools = tools
        self.network = network
        self.commands = commands
        self.timeoutSeconds = timeoutSeconds
    }

    public var isEmpty: Bool { tools.isEmpty && !network && commands.isEmpty }

    /// Both sets of rules; the shorter timeout.
    public func union(_ other: ApprovalRules?) -> ApprovalRules {
        guard let other else { return self }
        let timeout = [timeoutSeconds, other.timeoutSeconds].compactMap { $0 }.min()
        return ApprovalRules(tools: tools.union(other.tools), network: network || other.network,
                             commands: commands + other.commands.filter { !commands.contains($0) }, timeoutSeconds: timeout)
    }

    /// The tools that run a process of the job's choosing. A rule naming one of them gates them
    /// all: `shell` is meant to gate commands, and a `code` cell in bash (or python calling `sh`) is one.
    public static let processTools: Set<String> = ["shell", "code"]

    /// Why this step waits for a person, or nil when it need not.
    public func reason(for step: StepSpec) -> String? {
        if tools.contains("*") || tools.contains(step.tool) { return "\(step.tool) calls need approval" }
        if Self.processTools.contains(step.tool), let named = tools.intersection(Self.processTools).sorted().first {
            return "\(step.tool) runs a process, and \(named) calls need approval"
        }
        if network && step.network == true { return "it asks for the network" }
        guard let command = step.input["command"]?.stringValue ?? step.input["source"]?.stringValue else { return nil }
        // One budget for all the patterns: a job may write many, and a pattern that backtracks
        // without end must cost this step a moment, not the worker a thread. Fail closed.
        let budget = RegexBudget(seconds: Self.matchSeconds)
        for pattern in commands {
            guard let re = try? NSRegularExpression(pattern: pattern) else { return "its rule /\(pattern)/ does not compile" }
            switch budget.firstMatch(re, in: command) {
            case true?: return "its command matches /\(pattern)/"
            case nil: return "its command could not be checked against /\(pattern)/ within \(Self.matchSeconds) s"
            case false?: continue
            }
        }
        return nil
    }

    /// The time all of a step's patterns may take to match its command.
    public static let matchSeconds = 0.25

    /// The longest pattern a rule may have.
    public static let maxPatternLength = 1_000

    /// Reads `["shell"]` or `{"tools": [...], "network": true, "command": "regex" | [...], "timeout_s": 300}`.
    public static func parse(_ v: JSONValue, path: String = "approve") throws(JobSpecError) -> ApprovalRules {
        if let list = v.arrayValue { return ApprovalRules(tools: try names(list, path: path)) }
        guard let o = v.objectValue else {
            throw JobSpecError(path, "expected a list of tool names or an object with tools, network, command, timeout_s; got \(v.typeName)")
        }
        if let unknown = o.keys.sorted().first(where: { !["tools", "network", "command", "timeout_s"].contains($0) }) {
            throw JobSpecError("\(path).\(unknown)", "unknown rule (known: command, network, timeout_s, tools)")
        }
        var rules = ApprovalRules()
        if let t = o["tools"], t != .null {
            guard let list = t.arrayValue else { throw JobSpecError("\(path).tools", "expected a list of tool names, got \(t.typeName)") }
            rules.tools = try names(list, path: "\(path).tools")
        }
        if let n = o["network"], n != .null {
            guard case .bool(let b) = n else { throw JobSpecError("\(path).network", "expected true or false, got \(n.typeName)") }
            rules.network = b
        }
        if let c = o["command"], c != .null {
            let patterns: [JSONValue] = c.arrayValue ?? [c]
            for (i, p) in patterns.enumerated() {
                let at = c.arrayValue == nil ? "\(path).command" : "\(path).command[\(i)]"
                guard let s = p.stringValue else { throw JobSpecError(at, "expected a regular expression, got \(p.typeName)") }
                try check(pattern: s, path: at)
                rules.commands.append(s)
            }
        }
        if let t = o["timeout_s"], t != .null {
            guard let n = t.numberValue, n > 0, n <= 86_400 else { throw JobSpecError("\(path).timeout_s", "expected seconds from 1 to 86400") }
            rules.timeoutSeconds = n
        }
        return rules
    }

    public static func check(pattern: String, path: String) throws(JobSpecError) {
        guard !pattern.isEmpty, pattern.utf8.count <= maxPatternLength else {
            throw JobSpecError(path, "expected a regular expression of 1 to \(maxPatternLength) bytes")
        }
        do { _ = try NSRegularExpression(pattern: pattern) } catch {
            throw JobSpecError(path, "not a regular expression: \(pattern)")
        }
    }

    private static func names(_ list: [JSONValue], path: String) throws(JobSpecError) -> Set<String> {
        var out: Set<String> = []
        for (i, item) in list.enumerated() {
            guard let s = item.stringValue, s == "*" || JobSpecParser.isValidName(s) else {
                throw JobSpecError("\(path)[\(i)]", "expected a tool name or \"*\"")
            }
            out.insert(s)
        }
        return out
    }

    /// As the spec stores it: the short list form when only tools are named.
    public var jsonValue: JSONValue {
        if !network && commands.isEmpty && timeoutSeconds == nil { return .array(tools.sorted().map { .string($0) }) }
        var o: [String: JSONValue] = [:]
        if !tools.isEmpty { o["tools"] = .array(tools.sorted().map { .string($0) }) }
        if network { o["network"] = .bool(true) }
        if !commands.isEmpty { o["command"] = commands.count == 1 ? .string(commands[0]) : .array(commands.map { .string($0) }) }
        if let timeoutSeconds { o["timeout_s"] = .number(timeoutSeconds) }
        return .object(o)
    }

    /// The JSON Schema of the field.
    static let schema: JSONValue = [
        "description": "Tool calls that wait for a person: the tools named (\"*\": all), steps that ask for the network, commands matching a regular expression. Added to the worker's own rules.",
        "oneOf": [
            ["type": "array", "items": ["type": "string"]],
            ["type": "object", "additionalProperties": false, "properties": [
                "tools": ["type": "array", "items": ["type": "string"]],
                "network": ["type": "boolean"],
                "command": ["oneOf": [["type": "string"], ["type": "array", "items": ["type": "string"]]]],
                "timeout_s": ["type": "number", "minimum": 1, "maximum": 86400],
            ]],
        ],
    ]
}
