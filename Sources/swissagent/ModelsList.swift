import AgentCore
import ArgumentParser
import CommandOptions
import Foundation
import ModelClient

/// What a worker started with the same settings would see: to check a models file (or the
/// environment) before a deploy, and to answer "where does this job's data go?" at 3 a.m.
struct ModelsList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models", abstract: "List the model endpoints task jobs may use: name, model, URL, residency, prices, key.")

    @Option(help: "A JSON file of model endpoints, as `worker --models-file` takes.")
    var modelsFile: String?

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let endpoints: ModelEndpoints
        do { endpoints = try ModelEndpoints.load(environment: ProcessInfo.processInfo.environment, modelsFile: modelsFile) } catch {
            throw CLIError(error.description)
        }
        if json {
            output.json(JSONValue.array(endpoints.endpoints.map { e in
                .object(["name": .string(e.name), "model": .string(e.model), "base_url": .string(e.baseURL),
                         "residency": .string(e.residency.rawValue), "input_usd_per_million": .number(e.inputPrice),
                         "output_usd_per_million": .number(e.outputPrice), "stream": .bool(e.stream),
                         "default": .bool(e.name == endpoints.defaultName), "key": .bool(e.apiKey?.isEmpty == false)])
            }).prettyJSON())
            return
        }
        if endpoints.endpoints.isEmpty {
            output.say("no model endpoints: set SWISSAGENT_LLM_URL and SWISSAGENT_LLM_MODEL, or pass --models-file")
            return
        }
        output.say(Format.table(
            ["NAME", "MODEL", "BASE URL", "RESIDENCY", "$/M IN", "$/M OUT", "KEY"],
            endpoints.endpoints.map { e in
                [e.name + (e.name == endpoints.defaultName ? " (default)" : ""), e.model, e.baseURL, e.residency.rawValue,
                 String(format: "%.2f", e.inputPrice), String(format: "%.2f", e.outputPrice), e.apiKey?.isEmpty == false ? "set" : "-"]
            }))
    }
}
