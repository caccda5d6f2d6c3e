import AgentCore
import Foundation

/// One OpenAI-compatible model endpoint: where it is, which model, its key, where it runs, its prices.
public struct ChatEndpoint: Sendable {
    /// Where the endpoint runs: a job whose data must stay local is never sent to an `external` one.
    public enum Residency: String, Sendable { case inCluster = "in-cluster", external }

    public var name: String
    /// The base URL, ending in `/v1`.
    public var baseURL: String
    public var model: String
    /// Never printed, logged or stored.
    public var apiKey: String?
    public var residency: Residency
    /// Dollars per million input and output tokens.
    public var inputPrice: Double
    public var outputPrice: Double
    /// Ask for streamed replies (a server that refuses them with tools gets whole ones).
    public var stream: Bool
    /// What one call may take and bring back: a server is trusted with none of it.
    public var limits: ModelLimits

    public init(name: String = "default", baseURL: String, model: String, apiKey: String? = nil, residency: Residency = .external,
                inputPrice: Double = 0, outputPrice: Double = 0, stream: Bool = true, limits: ModelLimits = ModelLimits()) {
        self.name = name
        self.baseURL = baseURL
        self.model = model
        self.apiKey = apiKey
        Secrets.register(apiKey)
        self.residency = residency
        self.inputPrice = inputPrice
        self.outputPrice = outputPrice
        self.stream = stream
        self.limits = limits
    }

    var completionsURL: String {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        return base + "/chat/completions"
    }

    /// How messages name the endpoint: its name and host, never its key.
    public var label: String {
        let host = URL(string: baseURL)?.host ?? "?"
        return "\(name) (\(host))"
    }

    /// What the tokens of a reply cost here.
    public func dollars(_ usage: TokenUsage) -> Double {
        let input = Double(usage.input) * inputPrice
        let output = Double(usage.output) * outputPrice
        return (input + output) / 1_000_000
    }
}
