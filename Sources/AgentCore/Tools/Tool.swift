/// Everything a tool needs to run one step.
public struct ToolContext: Sendable {
    public var session: any SandboxSession
    public var step: StepSpec
    /// 0-based position in the plan.
    public var index: Int
    public var limits: ResourceLimits
    /// The step asked for network access and the worker's policy allows it.
    public var network: Bool
    public var output: OutputHandler

    public init(session: any SandboxSession, step: StepSpec, index: Int, limits: ResourceLimits, network: Bool,
                output: @escaping OutputHandler) {
        self.session = session
        self.step = step
        self.index = index
        self.limits = limits
        self.network = network
        self.output = output
    }

    func string(_ key: String) throws -> String {
        guard let v = step.input[key]?.stringValue else {
            throw JobFailure("step \(index + 1): input.\(key) must be a string", kind: .permanent)
        }
        return v
    }

    /// Runs `source` with `interpreter`: the source goes in through stdin into a file of the
    /// workspace, so its size is never bound by argv limits (a kernel's 128 KiB per argument).
    func execSource(_ source: String, fileExtension: String, interpreter: [String]) async throws -> ExecResult {
        let file = WorkspaceManifest.workerFolder + "/step-\(index + 1).\(fileExtension)"
        return try await exec(["/bin/sh", "-c", "mkdir -p .swissagent && cat > \"$0\" && exec \"$@\" \"$0\"", file] + interpreter, stdin: source)
    }

    func exec(_ argv: [String], stdin: String? = nil) async throws -> ExecResult {
        try await session.exec(ExecRequest(argv: argv, stdin: stdin.map { Data($0.utf8) }, network: network, limits: limits),
                               output: output)
    }
}

/// A tool a step can call. Bad input throws a permanent `JobFailure`; the command's own exit status
/// comes back in the result.
public protocol Tool: Sendable {
    var name: String { get }
    /// What the tool does, as a model is told it.
    var summary: String { get }
    /// The JSON Schema of the tool's input: what a step's `input` and a model's call must give.
    var parameters: JSONValue { get }
    /// The tool changes nothing (in the workspace or outside): a call of it that was interrupted may
    /// simply run again on a later attempt.
    var onlyReads: Bool { get }
    func run(_ context: ToolContext) async throws -> ExecResult
}

extension Tool {
    public var onlyReads: Bool { false }

    /// A schema of string fields, all required and nothing else allowed: every built-in tool's shape.
    static func strings(_ fields: [(String, String)]) -> JSONValue {
        ["type": "object", "additionalProperties": false, "required": .array(fields.map { .string($0.0) }),
         "properties": .object(Dictionary(uniqueKeysWithValues: fields.map { ($0.0, ["type": "string", "description": .string($0.1)]) }))]
    }
}

/// Workspace-relative paths only: no absolute paths, no `..`.
func workspacePath(_ path: String, step: Int) throws -> String {
    let parts = path.split(separator: "/", omittingEmptySubsequences: true)
    guard !path.hasPrefix("/"), !parts.isEmpty, !parts.contains("..") else {
        throw JobFailure("step \(step + 1): path \"\(path)\" must stay inside the job's workspace (relative, no \"..\")",
                         kind: .permanent)
    }
    return parts.joined(separator: "/")
}

import Foundation
