import AgentCore
import Foundation
import Testing
@testable import ModelClient

/// Model endpoints as configuration, and data residency holding for models too.
@Suite struct ModelEndpointsTests {
    func file(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "swissagent-models-\(UUID().uuidString.prefix(8)).json"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func job(model: String? = nil, residency: Residency? = nil) -> JobSpec {
        var spec = JobSpec(task: "say hi", residency: residency)
        spec.model = model
        return spec
    }

    @Test func theEnvironmentGivesTheDefaultEndpoint() throws {
        let keyFile = try file("sk-from-a-file\n")
        let models = try ModelEndpoints.load(environment: ["SWISSAGENT_LLM_URL": "http://llm.models.svc:8000/v1", "SWISSAGENT_LLM_MODEL": "qwen",
                                                           "SWISSAGENT_LLM_API_KEY_FILE": keyFile, "SWISSAGENT_LLM_RESIDENCY": "in-cluster"],
                                             modelsFile: nil)
        let e = try models.endpoint(for: job())
        #expect(e.name == "default" && e.model == "qwen" && e.apiKey == "sk-from-a-file" && e.residency == .inCluster)
        #expect(e.completionsURL == "http://llm.models.svc:8000/v1/chat/completions")
        #expect(!e.label.contains("sk-"))
        // A local-only job may use an in-cluster endpoint.
        #expect(try models.endpoint(for: job(residency: .localOnly)).name == "default")
    }

    @Test func aModelsFileNamesSeveralAndALocalOnlyJobNeverGoesOut() throws {
        let keyFile = try file("sk-openai")
        let path = try file("""
            [{"name": "cloud", "base_url": "https://api.openai.com/v1", "model": "gpt-4o-mini", "api_key_file": "\(keyFile)",
              "input_usd_per_million": 0.15, "output_usd_per_million": 0.6},
             {"name": "local", "base_url": "http://127.0.0.1:8080/v1", "model": "smollm2", "residency": "in-cluster", "stream": false}]
            """)
        let models = try ModelEndpoints.load(environment: [:], modelsFile: path)
        #expect(models.defaultName == "cloud")
        let cloud = try models.endpoint(for: job())
        #expect(cloud.apiKey == "sk-openai" && cloud.residency == .external && cloud.dollars(TokenUsage(input: 1_000_000, output: 500_000)) == 0.45)
        #expect(try models.endpoint(for: job(model: "local")).stream == false)
        #expect(throws: JobFailure.self) { _ = try models.endpoint(for: job(residency: .localOnly)) }
        do {
            _ = try models.endpoint(for: job(model: "cloud", residency: .localOnly))
        } catch {
            #expect(error.description.contains("local-only and model endpoint cloud (api.openai.com) is external") && error.kind == .permanent)
        }
        #expect(try models.endpoint(for: job(model: "local", residency: .localOnly)).name == "local")
        do {
            _ = try models.endpoint(for: job(model: "nope"))
        } catch {
            #expect(error.description == "no model endpoint named \"nope\" (known: cloud, local)")
        }
    }

    /// Each endpoint's bounds: its own from the models file, else the worker's (`--model-timeout`).
    @Test func boundsComeFromTheFileOrTheWorker() throws {
        let path = try file("""
            [{"name": "tight", "base_url": "http://127.0.0.1:8080/v1", "model": "m", "timeout_s": 30, "idle_timeout_s": 5,
              "max_reply_bytes": 1000, "max_argument_bytes": 2000, "max_calls": 4},
             {"name": "loose", "base_url": "http://127.0.0.1:8080/v1", "model": "m"}]
            """)
        let models = try ModelEndpoints.load(environment: [:], modelsFile: path, defaults: ModelLimits(timeout: 90))
        #expect(try models.endpoint(for: job(model: "tight")).limits
                == ModelLimits(timeout: 30, idleTimeout: 5, maxReplyBytes: 1000, maxArgumentBytes: 2000, maxCalls: 4))
        #expect(try models.endpoint(for: job(model: "loose")).limits == ModelLimits(timeout: 90))
        for bad in [#""max_calls": 0"#, #""max_calls": 2.5"#, #""timeout_s": -1"#, #""max_reply_bytes": "lots""#] {
            let text = #"[{"name":"a","base_url":"http://x/v1","model":"m",\#(bad)}]"#
            #expect(throws: ModelConfigError.self, "\(bad)") { _ = try ModelEndpoints.load(environment: [:], modelsFile: try file(text)) }
        }
    }

    @Test func aTaskWithNoEndpointSaysHowToConfigureOne() {
        do {
            _ = try ModelEndpoints([]).endpoint(for: job())
        } catch {
            #expect(error.description.contains("set SWISSAGENT_LLM_URL and SWISSAGENT_LLM_MODEL"))
        }
    }

    @Test func badConfigurationIsRefusedWithThePlace() throws {
        func refusal(_ env: [String: String], _ fileText: String? = nil) throws -> String {
            let path = try fileText.map(file)
            do {
                _ = try ModelEndpoints.load(environment: env, modelsFile: path)
                return "accepted"
            } catch {
                return error.description
            }
        }
        #expect(try refusal(["SWISSAGENT_LLM_URL": "http://x/v1"]).contains("SWISSAGENT_LLM_MODEL is not"))
        #expect(try refusal(["SWISSAGENT_LLM_URL": "ftp://x/v1", "SWISSAGENT_LLM_MODEL": "m"]).contains("expected an http(s) base URL"))
        #expect(try refusal(["SWISSAGENT_LLM_URL": "http://x/v1", "SWISSAGENT_LLM_MODEL": "m", "SWISSAGENT_LLM_RESIDENCY": "moon"])
                .contains("expected in-cluster or external"))
        #expect(try refusal(["SWISSAGENT_LLM_URL": "http://x/v1", "SWISSAGENT_LLM_MODEL": "m", "SWISSAGENT_LLM_API_KEY_FILE": "/nonexistent"])
                .contains("cannot read /nonexistent"))
        #expect(try refusal([:], "{}").contains("expected a JSON array"))
        #expect(try refusal([:], #"[{"name":"a","base_url":"http://x/v1","model":"m","key":"sk-inline"}]"#).contains("unknown field \"key\""))
        #expect(try refusal([:], #"[{"name":"a","base_url":"http://x/v1"}]"#).contains("endpoint 1: \"model\" is missing"))
        #expect(try refusal([:], #"[{"name":"a","base_url":"http://x/v1","model":"m","input_usd_per_million":-1}]"#).contains("dollars from 0"))
        #expect(try refusal(["SWISSAGENT_LLM_URL": "http://x/v1", "SWISSAGENT_LLM_MODEL": "m"],
                            #"[{"name":"default","base_url":"http://y/v1","model":"m"}]"#).contains("defined twice"))
        #expect(!(try refusal(["SWISSAGENT_LLM_URL": "http://x/v1", "SWISSAGENT_LLM_MODEL": "m", "SWISSAGENT_LLM_API_KEY": "sk-secret"]))
                .contains("sk-secret"))
    }

    @Test func aJobNamesItsModel() throws {
        let spec = try JobSpecParser().parse(Data(#"{"task":"hi","model":"local"}"#.utf8))
        #expect(spec.model == "local" && spec.jsonBytes() == JSONWriter.write(spec.jsonValue))
        #expect(throws: JobSpecError.self) { _ = try JobSpecParser().parse(Data(#"{"task":"hi","model":"a b"}"#.utf8)) }
    }

    /// A task's own budget is capped by the worker's, and its instructions follow the worker's.
    @Test func aJobAsksForLessNeverMore() throws {
        let agents = EndpointAgents(endpoints: ModelEndpoints([ChatEndpoint(baseURL: "http://x/v1", model: "m")]),
                                    budget: AgentBudget(turns: 10, tokens: 1000, dollars: 0.5), instructions: "Worker rules.")
        let spec = try JobSpecParser().parse(Data(#"{"task":"t","instructions":"Use Python.","budget":{"turns":3,"tokens":99999,"dollars":7}}"#.utf8))
        #expect(agents.budget(for: spec) == AgentBudget(turns: 3, tokens: 1000, dollars: 0.5))
        #expect(agents.instructions(for: spec) == "Worker rules.\n\nUse Python.")
        let loop = try agents.loop(for: spec)
        #expect(loop.budget.turns == 3 && loop.instructions.hasSuffix("Use Python."))
        for bad in [#"{"budget":{"turns":0}}"#, #"{"budget":{"turns":2.5}}"#, #"{"budget":{"minutes":3}}"#, #"{"budget":[]}"#,
                    #"{"budget":{"dollars":-1}}"#] {
            #expect(throws: JobSpecError.self) { _ = try JobSpecParser().parse(Data(bad.replacingOccurrences(of: "{\"budget", with: "{\"task\":\"t\",\"budget").utf8)) }
        }
    }
}
