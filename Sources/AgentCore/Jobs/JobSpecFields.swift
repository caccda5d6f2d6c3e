import Foundation

/// One field of a job as people write it: its wire name, its OpenAPI schema, how the parser reads
/// it and how the spec writes it. The parser reads them in this order, so the first error a spec
/// with several gets is the same as ever (steps, the costliest, last). The parser, `JobSpec.jsonValue` and the documented schema all
/// come from `JobSpec.fields`; `jsonBytes()` is the one hand-written copy, kept for enqueue's speed
/// and held to `jsonValue` by a test.
public struct JobSpecField: Sendable {
    public let name: String
    public let schema: JSONValue
    let read: @Sendable (JobSpecParser, JSONValue, inout JobSpec) throws(JobSpecError) -> Void
    /// nil: left out (an absent optional, an empty map).
    let write: @Sendable (JobSpec) -> JSONValue?
}

extension JobSpec {
    static func ref(_ name: String) -> JSONValue { ["$ref": .string("#/components/schemas/\(name)")] }

    public static let fields: [JobSpecField] = [
        JobSpecField(name: "id", schema: ref("Name"), read: { p, v, spec throws(JobSpecError) in
            let id = try p.string(v, "id")
            try JobSpecParser.checkName(id, path: "id")
            spec.id = id
        }, write: { $0.id.map { .string($0) } }),
        JobSpecField(name: "queue", schema: ref("Name"), read: { p, v, spec throws(JobSpecError) in
            spec.queue = try p.string(v, "queue")
            try JobSpecParser.checkName(spec.queue, path: "queue")
        }, write: { .string($0.queue) }),
        JobSpecField(name: "tenant", schema: ["type": "string", "description": "Set from the token; only an admin may choose it."],
                     read: { p, v, spec throws(JobSpecError) in spec.tenant = try p.string(v, "tenant") },
                     write: { $0.tenant.map { .string($0) } }),
        JobSpecField(name: "task", schema: ["type": "string", "minLength": 1],
                     read: { p, v, spec throws(JobSpecError) in spec.task = try p.string(v, "task") },
                     write: { $0.task.map { .string($0) } }),
        JobSpecField(name: "model", schema: ["allOf": [ref("Name")], "description": "The model endpoint a task runs on (the worker's default when absent)."],
                     read: { p, v, spec throws(JobSpecError) in
            let name = try p.string(v, "model")
            try JobSpecParser.checkName(name, path: "model")
            spec.model = name
        }, write: { $0.model.map { .string($0) } }),
        JobSpecField(name: "instructions", schema: ["type": "string", "description": "Added to the worker's system prompt for this task."],
                     read: { p, v, spec throws(JobSpecError) in spec.instructions = try p.string(v, "instructions") },
                     write: { $0.instructions.map { .string($0) } }),
        JobSpecField(name: "budget", schema: ["type": "object", "additionalProperties": false,
                                              "description": "What a task may spend; each is capped by the worker's own.",
                                              "properties": ["turns": ["type": "integer", "minimum": 1, "maximum": 10000],
                                                             "tokens": ["type": "integer", "minimum": 1],
                                                             "dollars": ["type": "number", "minimum": 0]]],
                     read: { p, v, spec throws(JobSpecError) in
            guard let o = v.objectValue else { throw JobSpecError("budget", "expected an object, got \(v.typeName)") }
            if let unknown = o.keys.sorted().first(where: { !["turns", "tokens", "dollars"].contains($0) }) {
                throw JobSpecError("budget.\(unknown)", "unknown budget (known: dollars, tokens, turns)")
            }
            func whole(_ key: String, max: Double) throws(JobSpecError) -> Int? {
                guard let n = try p.positiveNumber(o[key], "budget.\(key)", max: max) else { return nil }
                guard n == n.rounded() else { throw JobSpecError("budget.\(key)", "expected a whole number") }
                return Int(n)
            }
            var budget = JobBudget(turns: try whole("turns", max: 10_000), tokens: try whole("tokens", max: 1e12))
            if let d = o["dollars"], d != .null {
                guard let n = d.numberValue, n >= 0, n <= 1e6 else { throw JobSpecError("budget.dollars", "expected dollars from 0 to 1000000") }
                budget.dollars = n
            }
            spec.budget = budget
        }, write: { $0.budget.map(\.jsonValue) }),
        JobSpecField(name: "approve", schema: ApprovalRules.schema, read: { _, v, spec throws(JobSpecError) in
            spec.approve = try ApprovalRules.parse(v)
        }, write: { $0.approve.map(\.jsonValue) }),
        JobSpecField(name: "residency", schema: ["type": "string", "enum": .array(Residency.allCases.map { .string($0.rawValue) }),
                                                 "description": "Where the job's data may go: any (the default) or local-only (the local sandbox and in-cluster models only)."],
                     read: { p, v, spec throws(JobSpecError) in
            let s = try p.string(v, "residency")
            if let r = Residency(rawValue: s) {
                spec.residency = r
            } else if p.storedRecord {
                // Fail closed: a value no one can read means the strictest residency, never the loosest.
                spec.residency = .strictest
            } else {
                throw JobSpecError("residency", "expected one of \(Residency.allowed), got \"\(s.prefix(40))\"")
            }
        }, write: { $0.residency.map { .string($0.rawValue) } }),
        JobSpecField(name: "sandbox", schema: ["type": "string", "enum": .array(SandboxChoice.allCases.map { .string($0.rawValue) })],
                     read: { p, v, spec throws(JobSpecError) in
            let s = try p.string(v, "sandbox")
            guard let choice = SandboxChoice(rawValue: s) else {
                throw JobSpecError("sandbox", "expected one of \(SandboxChoice.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(s)\"")
            }
            spec.sandbox = choice
        }, write: { $0.sandbox.map { .string($0.rawValue) } }),
        JobSpecField(name: "timeout_s", schema: ref("Seconds"),
                     read: { p, v, spec throws(JobSpecError) in spec.timeoutSeconds = try p.positiveNumber(v, "timeout_s") },
                     write: { $0.timeoutSeconds.map { .number($0) } }),
        JobSpecField(name: "max_attempts", schema: ["type": "integer", "minimum": 1, "maximum": 100], read: { p, v, spec throws(JobSpecError) in
            if let n = try p.positiveNumber(v, "max_attempts", max: 100) {
                guard n == n.rounded() else { throw JobSpecError("max_attempts", "expected a whole number from 1 to 100") }
                spec.maxAttempts = Int(n)
            }
        }, write: { .number(Double($0.maxAttempts)) }),
        JobSpecField(name: "run_at", schema: ["type": "number", "minimum": 0, "maximum": .number(JobSpecParser.maxRunAt),
                                              "description": "Unix time in seconds to run at."], read: { _, v, spec throws(JobSpecError) in
            guard let n = v.numberValue, n >= 0, n <= JobSpecParser.maxRunAt else {
                throw JobSpecError("run_at", "expected unix time in seconds (0 to \(Int(JobSpecParser.maxRunAt))), got \(v.numberValue.map { "\($0)" } ?? v.typeName)")
            }
            spec.runAt = n
        }, write: { $0.runAt.map { .number($0) } }),
        JobSpecField(name: "env", schema: ["type": "object", "additionalProperties": ["type": "string"]], read: { _, v, spec throws(JobSpecError) in
            guard let env = v.objectValue else { throw JobSpecError("env", "expected an object of strings, got \(v.typeName)") }
            for (k, val) in env {
                guard let s = val.stringValue else { throw JobSpecError("env.\(k)", "expected a string, got \(val.typeName)") }
                spec.env[k] = s
            }
        }, write: { $0.env.isEmpty ? nil : .object($0.env.mapValues { .string($0) }) }),
        JobSpecField(name: "metadata", schema: ["type": "object"], read: { _, v, spec throws(JobSpecError) in
            guard let meta = v.objectValue else { throw JobSpecError("metadata", "expected an object, got \(v.typeName)") }
            spec.metadata = meta
        }, write: { $0.metadata.isEmpty ? nil : .object($0.metadata) }),
        JobSpecField(name: "steps", schema: ["type": "array", "minItems": 1, "items": ref("Step")], read: { p, v, spec throws(JobSpecError) in
            guard let steps = v.arrayValue else { throw JobSpecError("steps", "expected an array, got \(v.typeName)") }
            spec.steps = try steps.enumerated().map { (i, s) throws(JobSpecError) in try p.parseStep(s, path: "steps[\(i)]") }
        }, write: { .array($0.steps.map(\.jsonValue)) }),
    ]

    /// The documented properties of a job, as the OpenAPI document must give them.
    public static var schemaProperties: JSONValue {
        .object(Dictionary(uniqueKeysWithValues: fields.map { ($0.name, $0.schema) }))
    }
}
