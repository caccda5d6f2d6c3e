import Foundation

/// Where a job's steps may run.
public enum SandboxChoice: String, Sendable, Codable, CaseIterable {
    case local, e2b, auto
}

/// Per-step resource limits; nil means the worker's default.
public struct StepLimits: Sendable, Equatable, Codable {
    public var memoryMB: Int?
    public var outputBytes: Int?
    public var cpuSeconds: Int?
    public var processes: Int?
    public var diskMB: Int?

    public init(memoryMB: Int? = nil, outputBytes: Int? = nil, cpuSeconds: Int? = nil, processes: Int? = nil, diskMB: Int? = nil) {
        self.memoryMB = memoryMB
        self.outputBytes = outputBytes
        self.cpuSeconds = cpuSeconds
        self.processes = processes
        self.diskMB = diskMB
    }

    enum CodingKeys: String, CodingKey {
        case memoryMB = "memory_mb", outputBytes = "output_bytes", cpuSeconds = "cpu_s", processes, diskMB = "disk_mb"
    }
}

/// One tool call of an explicit plan.
public struct StepSpec: Sendable, Equatable, Codable {
    public var tool: String
    public var input: [String: JSONValue]
    public var timeoutSeconds: Double?
    public var network: Bool?
    public var limits: StepLimits?

    public init(tool: String, input: [String: JSONValue] = [:], timeoutSeconds: Double? = nil, network: Bool? = nil, limits: StepLimits? = nil) {
        self.tool = tool
        self.input = input
        self.timeoutSeconds = timeoutSeconds
        self.network = network
        self.limits = limits
    }

    enum CodingKeys: String, CodingKey {
        case tool, input, network, limits
        case timeoutSeconds = "timeout_s"
    }

    public var jsonValue: JSONValue {
        var o: [String: JSONValue] = ["tool": .string(tool), "input": .object(input)]
        if let timeoutSeconds { o["timeout_s"] = .number(timeoutSeconds) }
        if let network { o["network"] = .bool(network) }
        if let limits {
            var l: [String: JSONValue] = [:]
            if let v = limits.memoryMB { l["memory_mb"] = .number(Double(v)) }
            if let v = limits.outputBytes { l["output_bytes"] = .number(Double(v)) }
            if let v = limits.cpuSeconds { l["cpu_s"] = .number(Double(v)) }
            if let v = limits.processes { l["processes"] = .number(Double(v)) }
            if let v = limits.diskMB { l["disk_mb"] = .number(Double(v)) }
            o["limits"] = .object(l)
        }
        return .object(o)
    }
}

/// A task's own budget: any of turns, tokens and dollars (the rest are the worker's).
public struct JobBudget: Sendable, Equatable {
    public var turns: Int?
    public var tokens: Int?
    public var dollars: Double?

    public init(turns: Int? = nil, tokens: Int? = nil, dollars: Double? = nil) {
        self.turns = turns
        self.tokens = tokens
        self.dollars = dollars
    }

    var jsonValue: JSONValue {
        var o: [String: JSONValue] = [:]
        if let turns { o["turns"] = .number(Double(turns)) }
        if let tokens { o["tokens"] = .number(Double(tokens)) }
        if let dollars { o["dollars"] = .number(dollars) }
        return .object(o)
    }
}

/// A job as a person writes it (DESIGN.md "A job"). Field names on the wire are snake_case.
public struct JobSpec: Sendable, Equatable {
    public static let defaultQueue = "default"
    public static let defaultMaxAttempts = 3

    public var id: String?
    public var queue: String
    public var tenant: String?
    public var task: String?
    /// The model endpoint a task runs on (the worker's default when nil).
    public var model: String?
    /// What a task may spend; each is capped by the worker's own budget.
    public var budget: JobBudget?
    /// Added to the worker's system prompt for this task.
    public var instructions: String?
    public var steps: [StepSpec]
    public var sandbox: SandboxChoice?
    /// nil: `any`, the default.
    public var residency: Residency?
    public var timeoutSeconds: Double?
    public var maxAttempts: Int
    public var env: [String: String]
    public var metadata: [String: JSONValue]
    /// Unix time in seconds; a job with a future run-at waits in `scheduled`.
    public var runAt: Double?
    /// Tool calls that wait for a person (added to the worker's own rules).
    public var approve: ApprovalRules?

    public init(
        id: String? = nil, queue: String = JobSpec.defaultQueue, tenant: String? = nil, task: String? = nil,
        steps: [StepSpec] = [], sandbox: SandboxChoice? = nil, residency: Residency? = nil, timeoutSeconds: Double? = nil,
        maxAttempts: Int = JobSpec.defaultMaxAttempts, env: [String: String] = [:], metadata: [String: JSONValue] = [:],
        runAt: Double? = nil
    ) {
        self.id = id
        self.queue = queue
        self.tenant = tenant
        self.task = task
        self.steps = steps
        self.sandbox = sandbox
        self.residency = residency
        self.timeoutSeconds = timeoutSeconds
        self.maxAttempts = maxAttempts
        self.env = env
        self.metadata = metadata
        self.runAt = runAt
    }

    /// The canonical JSON stored in Redis (sorted keys, no nulls).
    public func encoded() -> Data { Data(jsonBytes()) }

    /// The spec as a queue stores it: without its id, which is the job's key.
    public func storedJSONBytes() -> [UInt8] {
        var stored = self
        stored.id = nil
        return stored.jsonBytes()
    }

    /// The same bytes as `JSONWriter.write(jsonValue)`, written directly: enqueue runs this per job.
    public func jsonBytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160)
        var w = ObjectWriter(out: out)
        if let approve { w.field("approve") { JSONWriter.write(approve.jsonValue, into: &$0) } }
        if let budget { w.field("budget") { JSONWriter.write(budget.jsonValue, into: &$0) } }
        if !env.isEmpty { w.field("env") { JSONWriter.write(.object(env.mapValues { .string($0) }), into: &$0) } }
        if let id { w.field("id") { JSONWriter.writeString(id, into: &$0) } }
        if let instructions { w.field("instructions") { JSONWriter.writeString(instructions, into: &$0) } }
        w.field("max_attempts") { JSONWriter.writeNumber(Double(maxAttempts), into: &$0) }
        if !metadata.isEmpty { w.field("metadata") { JSONWriter.write(.object(metadata), into: &$0) } }
        if let model { w.field("model") { JSONWriter.writeString(model, into: &$0) } }
        w.field("queue") { JSONWriter.writeString(queue, into: &$0) }
        if let residency { w.field("residency") { JSONWriter.writeString(residency.rawValue, into: &$0) } }
        if let runAt { w.field("run_at") { JSONWriter.writeNumber(runAt, into: &$0) } }
        if let sandbox { w.field("sandbox") { JSONWriter.writeString(sandbox.rawValue, into: &$0) } }
        w.field("steps") { out in
            out.append(UInt8(ascii: "["))
            for (i, step) in steps.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                var s = ObjectWriter(out: out)
                s.field("input") { JSONWriter.write(.object(step.input), into: &$0) }
                if let limits = step.jsonValue["limits"] { s.field("limits") { JSONWriter.write(limits, into: &$0) } }
                if let network = step.network { s.field("network") { JSONWriter.write(.bool(network), into: &$0) } }
                if let t = step.timeoutSeconds { s.field("timeout_s") { JSONWriter.writeNumber(t, into: &$0) } }
                s.field("tool") { JSONWriter.writeString(step.tool, into: &$0) }
                out = s.finish()
            }
            out.append(UInt8(ascii: "]"))
        }
        if let task { w.field("task") { JSONWriter.writeString(task, into: &$0) } }
        if let tenant { w.field("tenant") { JSONWriter.writeString(tenant, into: &$0) } }
        if let timeoutSeconds { w.field("timeout_s") { JSONWriter.writeNumber(timeoutSeconds, into: &$0) } }
        return w.finish()
    }

    /// The spec as JSON, field names as people write them; absent optionals are left out.
    public var jsonValue: JSONValue {
        .object(Dictionary(uniqueKeysWithValues: Self.fields.compactMap { f in f.write(self).map { (f.name, $0) } }))
    }

    /// The residency every decision uses: `any` unless the job says otherwise.
    public var effectiveResidency: Residency { residency ?? .any }

    /// Tool names of the plan, for filters and listings.
    public var tools: [String] { steps.map(\.tool) }
}
