import AgentCore
import ArgumentParser
import Foundation
import ModelClient

/// Where task jobs' models are, and what an agent may spend: shared by `worker` and `run`.
public struct ModelOptions: ParsableArguments, Sendable {
    public init() {}

    @Option(help: ArgumentHelp("A JSON file of model endpoints (name, base_url, model, api_key_file, prices, residency).",
                               discussion: "Besides, or instead of, the default endpoint from SWISSAGENT_LLM_URL, SWISSAGENT_LLM_MODEL and "
                                   + "SWISSAGENT_LLM_API_KEY(_FILE)."))
    public var modelsFile: String?

    @Option(help: "A file whose text is the system prompt of every task (default: a short built-in one).")
    public var instructionsFile: String?

    @Option(help: "Model turns an agent job may take.")
    public var maxTurns = 20

    @Option(help: "Tokens (in and out) an agent job may use.")
    public var maxTokens = 200_000

    @Option(help: "Dollars of model time an agent job may spend.")
    public var maxDollars = 1.0

    @Option(help: ArgumentHelp("Seconds one model call may take, its retries included, for endpoints whose models file entry sets no timeout_s.",
                               valueName: "seconds"))
    public var modelTimeout = ModelLimits.defaultTimeout

    @Option(help: ArgumentHelp("Seconds a model server's 429 (Retry-After) is waited out in the job's slot; a longer wait gives the job back, scheduled for then.",
                               valueName: "seconds"))
    public var rateLimitWait = 30.0

    public func validate() throws {
        guard maxTurns > 0, maxTurns <= 10_000 else { throw ValidationError("--max-turns: from 1 to 10000") }
        guard maxTokens > 0 else { throw ValidationError("--max-tokens must be positive") }
        guard maxDollars >= 0, maxDollars.isFinite else { throw ValidationError("--max-dollars cannot be negative") }
        guard modelTimeout >= 1, modelTimeout <= 86_400 else { throw ValidationError("--model-timeout: from 1 to 86400 seconds") }
        guard rateLimitWait >= 0, rateLimitWait <= 3600 else { throw ValidationError("--rate-limit-wait: from 0 to 3600 seconds") }
    }

    /// The agents, when any endpoint is configured; nil otherwise (a task job then says what is missing).
    /// `router`: the tools the worker's sandboxes can run, offered to the model.
    public func makeAgents(router: ToolRouter = ToolRouter(), environment: [String: String] = ProcessInfo.processInfo.environment) throws -> EndpointAgents? {
        let endpoints: ModelEndpoints
        var defaults = ModelLimits(timeout: modelTimeout)
        defaults.idleTimeout = min(defaults.idleTimeout, modelTimeout)
        do { endpoints = try ModelEndpoints.load(environment: environment, modelsFile: modelsFile, defaults: defaults) } catch {
            throw CLIError(error.description)
        }
        if endpoints.endpoints.isEmpty { return nil }
        var instructions = EndpointAgents.defaultInstructions
        if let instructionsFile {
            guard let text = try? String(contentsOfFile: instructionsFile, encoding: .utf8) else {
                throw CLIError("cannot read --instructions-file \(instructionsFile)")
            }
            instructions = text
        }
        var agents = EndpointAgents(endpoints: endpoints, budget: AgentBudget(turns: maxTurns, tokens: maxTokens, dollars: maxDollars),
                                    instructions: instructions, router: router)
        agents.maxRateLimitWait = rateLimitWait
        return agents
    }
}
