import Foundation

/// Turns job JSON into a `JobSpec`, refusing bad input with the exact field and reason.
public struct JobSpecParser: Sendable {
    public static let defaultMaxBytes = 1 << 20

    /// Largest accepted job, in bytes of JSON.
    public var maxBytes: Int
    /// Tools a step may name; the worker's router has the final word.
    public var knownTools: Set<String>

    /// Reading a record back from a queue rather than a job at the door: a residency it cannot read
    /// (written before residency was checked, or by hand) is the strictest instead of an error.
    public var storedRecord: Bool

    /// Every tool a worker may have: the worker itself refuses one its sandboxes cannot run.
    public static let builtinTools = Set(ToolRouter.withBrowser.names)

    public init(maxBytes: Int = JobSpecParser.defaultMaxBytes, knownTools: Set<String> = JobSpecParser.builtinTools, storedRecord: Bool = false) {
        self.maxBytes = maxBytes
        self.knownTools = knownTools
        self.storedRecord = storedRecord
    }

    /// The parser for what a queue hands back (see `storedRecord`).
    public static let stored = JobSpecParser(storedRecord: true)

    public func parse(_ data: Data, defaultQueue: String? = nil) throws(JobSpecError) -> JobSpec {
        guard data.count <= maxBytes else {
            throw JobSpecError("", "job is \(data.count) bytes, over the \(maxBytes)-byte limit")
        }
        let value: JSONValue
        do {
            value = try JSONValue.parse(data)
        } catch {
            throw JobSpecError("", "not valid JSON: \(Self.describe(error, in: data))")
        }
        return try parse(value, defaultQueue: defaultQueue)
    }

    public func parse(_ value: JSONValue, defaultQueue: String? = nil) throws(JobSpecError) -> JobSpec {
        guard let obj = value.objectValue else {
            throw JobSpecError("", "expected a JSON object, got \(value.typeName)")
        }
        let known = Set(JobSpec.fields.map(\.name))
        if let unknown = obj.keys.sorted().first(where: { !known.contains($0) }) {
            throw JobSpecError(unknown, "unknown field (known: \(known.sorted().joined(separator: ", ")))")
        }
        var spec = JobSpec()
        spec.queue = defaultQueue ?? JobSpec.defaultQueue
        for field in JobSpec.fields {
            if let v = obj[field.name], v != .null { try field.read(self, v, &spec) }
        }
        try Self.checkName(spec.queue, path: "queue")
        if spec.steps.isEmpty && (spec.task ?? "").isEmpty {
            throw JobSpecError("steps", "a job needs \"steps\" (a non-empty array) or a \"task\"")
        }
        return spec
    }

    func parseStep(_ value: JSONValue, path: String) throws(JobSpecError) -> StepSpec {
        guard let obj = value.objectValue else { throw JobSpecError(path, "expected an object, got \(value.typeName)") }
        let known: Set<String> = ["tool", "input", "timeout_s", "network", "limits"]
        if let unknown = obj.keys.sorted().first(where: { !known.contains($0) }) {
            throw JobSpecError("\(path).\(unknown)", "unknown field (known: \(known.sorted().joined(separator: ", ")))")
        }
        guard let tool = try optionalString(obj, "tool", path: path) else { throw JobSpecError("\(path).tool", "missing") }
        guard knownTools.contains(tool) else {
            throw JobSpecError("\(path).tool", "unknown tool \"\(tool)\" (known: \(knownTools.sorted().joined(separator: ", ")))")
        }
        var step = StepSpec(tool: tool)
        if let v = obj["input"], v != .null {
            guard let input = v.objectValue else { throw JobSpecError("\(path).input", "expected an object, got \(v.typeName)") }
            step.input = input
        }
        try checkInput(step, path: path)
        step.timeoutSeconds = try positiveNumber(obj["timeout_s"], "\(path).timeout_s")
        if let v = obj["network"], v != .null {
            guard case .bool(let b) = v else { throw JobSpecError("\(path).network", "expected a boolean, got \(v.typeName)") }
            step.network = b
        }
        if let v = obj["limits"], v != .null {
            guard let l = v.objectValue else { throw JobSpecError("\(path).limits", "expected an object, got \(v.typeName)") }
            let knownLimits: Set<String> = ["memory_mb", "output_bytes", "cpu_s", "processes", "disk_mb"]
            if let unknown = l.keys.sorted().first(where: { !knownLimits.contains($0) }) {
                throw JobSpecError("\(path).limits.\(unknown)", "unknown limit (known: \(knownLimits.sorted().joined(separator: ", ")))")
            }
            func int(_ key: String) throws(JobSpecError) -> Int? {
                guard let n = try positiveNumber(l[key], "\(path).limits.\(key)", max: Self.maxLimit) else { return nil }
                return Int(n)
            }
            step.limits = StepLimits(memoryMB: try int("memory_mb"), outputBytes: try int("output_bytes"),
                                     cpuSeconds: try int("cpu_s"), processes: try int("processes"), diskMB: try int("disk_mb"))
        }
        return step
    }

    /// The fields the tool's schema requires, checked at the door rather than in the sandbox.
    private func checkInput(_ step: StepSpec, path: String) throws(JobSpecError) {
        guard let schema = Self.builtinRouter.parameters(of: step.tool) else { return }
        for key in (schema["required"]?.arrayValue ?? []).compactMap(\.stringValue) {
            guard let v = step.input[key] else { throw JobSpecError("\(path).input.\(key)", "missing (the \(step.tool) tool needs it)") }
            guard v.stringValue != nil else { throw JobSpecError("\(path).input.\(key)", "expected a string, got \(v.typeName)") }
        }
        // A value from a fixed set (a code step's language) is checked here too, not first in the sandbox.
        for (key, property) in schema["properties"]?.objectValue ?? [:] {
            guard let allowed = property["enum"]?.arrayValue?.compactMap(\.stringValue), let given = step.input[key]?.stringValue else { continue }
            if !allowed.contains(given) {
                throw JobSpecError("\(path).input.\(key)", "expected one of \(allowed.joined(separator: ", ")), got \"\(given.prefix(40))\"")
            }
        }
    }

    static let builtinRouter = ToolRouter.withBrowser

    /// A field that must be a string.
    func string(_ v: JSONValue, _ path: String) throws(JobSpecError) -> String {
        guard let s = v.stringValue else { throw JobSpecError(path, "expected a string, got \(v.typeName)") }
        return s
    }

    private func optionalString(_ obj: [String: JSONValue], _ key: String, path: String? = nil) throws(JobSpecError) -> String? {
        guard let v = obj[key], v != .null else { return nil }
        guard let s = v.stringValue else {
            throw JobSpecError(path.map { "\($0).\(key)" } ?? key, "expected a string, got \(v.typeName)")
        }
        return s
    }

    /// Upper bounds keep every number convertible to an Int of milliseconds or bytes downstream.
    static let maxSeconds = 7.0 * 24 * 3600
    static let maxRunAt = 253_402_300_799.0  // 9999-12-31
    static let maxLimit = Double(1 << 40)

    func positiveNumber(_ v: JSONValue?, _ path: String, max: Double = maxSeconds) throws(JobSpecError) -> Double? {
        guard let v, v != .null else { return nil }
        guard let n = v.numberValue else { throw JobSpecError(path, "expected a number, got \(v.typeName)") }
        guard n > 0, n.isFinite, n <= max else {
            throw JobSpecError(path, "expected a positive number up to \(Int(max)), got \(n)")
        }
        return n
    }

    /// Queue names and ids go into Redis keys: keep them short and free of braces and spaces.
    public static func isValidName(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 128 && s.unicodeScalars.allSatisfy {
            CharacterSet.alphanumerics.contains($0) || "-_.:@".unicodeScalars.contains($0)
        }
    }

    public static let nameRule = "expected 1-128 letters, digits or - _ . : @"

    static func checkName(_ s: String, path: String) throws(JobSpecError) {
        if !isValidName(s) { throw JobSpecError(path, "\(nameRule), got \"\(s.prefix(40))\"") }
    }

    /// JSONDecoder only says "not valid JSON"; JSONSerialization says where ("around character 8").
    private static func describe(_ error: any Error, in data: Data) -> String {
        do {
            _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            if let where_ = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String { return where_ }
        }
        if case DecodingError.dataCorrupted(let ctx) = error { return ctx.debugDescription }
        return "\(error)"
    }
}
