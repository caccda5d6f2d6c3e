import AgentCore
import Foundation

/// The worker's agents: each task job gets a loop on its endpoint (its `"model"`, or the default),
/// refused before any call when the job is local-only and the endpoint external.
public struct EndpointAgents: AgentSource {
    public var endpoints: ModelEndpoints
    public var budget: AgentBudget
    /// The worker's instructions; the system prompt of every task.
    public var instructions: String
    public var outputLimit: Int
    /// The tools offered to the model: the worker's own.
    public var router: ToolRouter
    /// The longest Retry-After a 429 is waited out in the worker's slot; a longer one gives the job
    /// back, scheduled for then (it resumes from its journal).
    public var maxRateLimitWait = 30.0

    public static let defaultInstructions = """
        You carry out a task in a sandboxed Linux workspace by calling tools: shell, code, write_file and read_file. \
        Files persist between calls. When the task is done, call finish with the answer.
        """

    public init(endpoints: ModelEndpoints, budget: AgentBudget = AgentBudget(), instructions: String = EndpointAgents.defaultInstructions,
                outputLimit: Int = 16_000, router: ToolRouter = ToolRouter()) {
        self.router = router
        self.endpoints = endpoints
        self.budget = budget
        self.instructions = instructions
        self.outputLimit = outputLimit
    }

    public func loop(for job: JobSpec) throws -> AgentLoop {
        let endpoint = try endpoints.endpoint(for: job)
        var client = OpenAIChatClient(endpoint)
        client.maxRetryAfter = maxRateLimitWait
        return AgentLoop(model: client, modelName: endpoint.name, router: router, budget: budget(for: job),
                         instructions: instructions(for: job),
                         outputLimit: outputLimit, price: { endpoint.dollars($0) })
    }

    /// The job's budget within the worker's: a job may ask for less, never for more.
    public func budget(for job: JobSpec) -> AgentBudget {
        AgentBudget(turns: min(job.budget?.turns ?? budget.turns, budget.turns), tokens: min(job.budget?.tokens ?? budget.tokens, budget.tokens),
                    dollars: min(job.budget?.dollars ?? budget.dollars, budget.dollars))
    }

    /// The worker's instructions, then the job's.
    public func instructions(for job: JobSpec) -> String {
        guard let own = job.instructions, !own.isEmpty else { return instructions }
        return instructions + "\n\n" + own
    }
}
