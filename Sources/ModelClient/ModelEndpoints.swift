import AgentCore
import Foundation

/// The model endpoints a worker may use: a default one from the environment, or several from a
/// models file. A job names one with `"model"`; a `local-only` job is never sent to an `external`
/// one, whatever else says.
public struct ModelEndpoints: Sendable {
    public private(set) var endpoints: [ChatEndpoint]
    /// The endpoint of a job that names none: the environment's, else the file's first.
    public var defaultName: String?

    public init(_ endpoints: [ChatEndpoint], defaultName: String? = nil) {
        self.endpoints = endpoints
        self.defaultName = defaultName ?? endpoints.first?.name
    }

    /// `SWISSAGENT_LLM_URL` (the base URL, ending in /v1), `SWISSAGENT_LLM_MODEL`,
    /// `SWISSAGENT_LLM_API_KEY` or `SWISSAGENT_LLM_API_KEY_FILE`, `SWISSAGENT_LLM_RESIDENCY`
    /// (`in-cluster` or `external`, the default); and `modelsFile`, when given. `defaults` are the
    /// limits of an endpoint that sets none of its own (`--model-timeout` sets their timeout).
    public static func load(environment env: [String: String], modelsFile: String?,
                            defaults: ModelLimits = ModelLimits()) throws(ModelConfigError) -> ModelEndpoints {
        var all: [ChatEndpoint] = []
        var defaultName: String?
        if let url = env["SWISSAGENT_LLM_URL"], !url.isEmpty {
            guard let model = env["SWISSAGENT_LLM_MODEL"], !model.isEmpty else {
                throw ModelConfigError("SWISSAGENT_LLM_URL is set but SWISSAGENT_LLM_MODEL is not: name the model to ask for")
            }
            let key: String?
            if let file = env["SWISSAGENT_LLM_API_KEY_FILE"], !file.isEmpty {
                do { key = try SecretFile.read(file, what: "SWISSAGENT_LLM_API_KEY_FILE") } catch { throw ModelConfigError("\(error)") }
            } else {
                key = env["SWISSAGENT_LLM_API_KEY"].flatMap { $0.isEmpty ? nil : $0 }
            }
            let residency = try residency(env["SWISSAGENT_LLM_RESIDENCY"], where: "SWISSAGENT_LLM_RESIDENCY")
            all.append(ChatEndpoint(name: "default", baseURL: try checkedURL(url, where: "SWISSAGENT_LLM_URL"), model: model, apiKey: key,
                                    residency: residency, limits: defaults))
            defaultName = "default"
        }
        if let modelsFile { all += try parseFile(modelsFile, defaults: defaults) }
        var seen = Set<String>()
        for e in all where !seen.insert(e.name).inserted {
            throw ModelConfigError("model endpoint \"\(e.name)\" is defined twice")
        }
        return ModelEndpoints(all, defaultName: defaultName)
    }

    /// The endpoint for a job: the one it names, or the default. A `local-only` job is refused an
    /// `external` endpoint before a byte is sent.
    public func endpoint(for job: JobSpec) throws(JobFailure) -> ChatEndpoint {
        guard let name = job.model ?? defaultName else {
            throw JobFailure("the job has a task but this worker has no model endpoint: set SWISSAGENT_LLM_URL and SWISSAGENT_LLM_MODEL, "
                             + "or --models-file", kind: .permanent)
        }
        guard let endpoint = endpoints.first(where: { $0.name == name }) else {
            throw JobFailure("no model endpoint named \"\(name.prefix(80))\" (known: \(endpoints.map(\.name).joined(separator: ", ")))",
                             kind: .permanent)
        }
        if job.effectiveResidency.staysLocal && endpoint.residency != .inCluster {
            throw JobFailure("the job is local-only and model endpoint \(endpoint.label) is external: its data never leaves the cluster",
                             kind: .permanent)
        }
        return endpoint
    }

    static let fileFields: Set<String> = ["name", "base_url", "model", "api_key_file", "input_usd_per_million", "output_usd_per_million",
                                          "residency", "stream", "timeout_s", "idle_timeout_s", "max_reply_bytes", "max_argument_bytes",
                                          "max_calls"]

    /// A JSON array of endpoints: `name`, `base_url`, `model`, and optionally `api_key_file`,
    /// `input_usd_per_million`, `output_usd_per_million`, `residency`, `stream` and the limits
    /// (`timeout_s`, `idle_timeout_s`, `max_reply_bytes`, `max_argument_bytes`, `max_calls`).
    static func parseFile(_ path: String, defaults: ModelLimits = ModelLimits()) throws(ModelConfigError) -> [ChatEndpoint] {
        guard let data = FileManager.default.contents(atPath: path) else { throw ModelConfigError("cannot read the models file \(path)") }
        guard let value = try? JSONValue.parse(data), let list = value.arrayValue else {
            throw ModelConfigError("\(path): expected a JSON array of model endpoints")
        }
        return try list.enumerated().map { (i, item) throws(ModelConfigError) -> ChatEndpoint in
            let at = "\(path): endpoint \(i + 1)"
            guard let o = item.objectValue else { throw ModelConfigError("\(at): expected an object") }
            if let unknown = o.keys.sorted().first(where: { !fileFields.contains($0) }) {
                throw ModelConfigError("\(at): unknown field \"\(unknown)\" (known: \(fileFields.sorted().joined(separator: ", ")))")
            }
            func text(_ key: String) throws(ModelConfigError) -> String {
                guard let s = o[key]?.stringValue, !s.isEmpty else { throw ModelConfigError("\(at): \"\(key)\" is missing") }
                return s
            }
            func price(_ key: String) throws(ModelConfigError) -> Double {
                guard let v = o[key] else { return 0 }
                guard let n = v.numberValue, n >= 0, n < 1_000_000 else { throw ModelConfigError("\(at): \"\(key)\" must be dollars from 0") }
                return n
            }
            let name = try text("name")
            guard JobSpecParser.isValidName(name) else { throw ModelConfigError("\(at): name: \(JobSpecParser.nameRule)") }
            var key: String?
            if let file = o["api_key_file"]?.stringValue {
                do { key = try SecretFile.read(file, what: "\(at): api_key_file") } catch { throw ModelConfigError("\(error)") }
            }
            if let s = o["stream"], s.boolValue == nil { throw ModelConfigError("\(at): \"stream\" must be true or false") }
            func number(_ key: String, _ range: ClosedRange<Double>, whole: Bool) throws(ModelConfigError) -> Double? {
                guard let v = o[key] else { return nil }
                guard let n = v.numberValue, range.contains(n), !whole || n == n.rounded() else {
                    throw ModelConfigError("\(at): \"\(key)\" must be a\(whole ? " whole" : "") number from \(Int(range.lowerBound)) to \(Int(range.upperBound))")
                }
                return n
            }
            var limits = defaults
            if let n = try number("timeout_s", 1...86_400, whole: false) { limits.timeout = n }
            if let n = try number("idle_timeout_s", 1...86_400, whole: false) { limits.idleTimeout = n }
            if let n = try number("max_reply_bytes", 1...Double(1 << 30), whole: true) { limits.maxReplyBytes = Int(n) }
            if let n = try number("max_argument_bytes", 1...Double(1 << 30), whole: true) { limits.maxArgumentBytes = Int(n) }
            if let n = try number("max_calls", 1...1000, whole: true) { limits.maxCalls = Int(n) }
            return ChatEndpoint(name: name, baseURL: try checkedURL(try text("base_url"), where: "\(at): base_url"), model: try text("model"),
                                apiKey: key, residency: try residency(o["residency"]?.stringValue, where: "\(at): residency"),
                                inputPrice: try price("input_usd_per_million"), outputPrice: try price("output_usd_per_million"),
                                stream: o["stream"]?.boolValue ?? true, limits: limits)
        }
    }

    static func residency(_ text: String?, where place: String) throws(ModelConfigError) -> ChatEndpoint.Residency {
        guard let text, !text.isEmpty else { return .external }
        guard let r = ChatEndpoint.Residency(rawValue: text) else { throw ModelConfigError("\(place): expected in-cluster or external") }
        return r
    }

    static func checkedURL(_ text: String, where place: String) throws(ModelConfigError) -> String {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil else {
            throw ModelConfigError("\(place): expected an http(s) base URL ending in /v1, got \"\(text.prefix(80))\"")
        }
        return text
    }
}

/// A models configuration that cannot be used, said with the place to fix.
public struct ModelConfigError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
