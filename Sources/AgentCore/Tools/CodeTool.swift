/// `code`: runs `input.source` with the interpreter for `input.language` (python, bash, node).
public struct CodeTool: Tool {
    public let name = "code"
    public let summary = "Run a program in the job's workspace: Python, bash or Node source; its output and exit status come back."
    public var parameters: JSONValue {
        var schema = Self.strings([("language", "python, bash or node."), ("source", "The program's source.")])
        if case .object(var o) = schema, case .object(var props) = o["properties"] {
            props["language"] = ["type": "string", "enum": .array(Self.extensions.keys.sorted().map { .string($0) })]
            o["properties"] = .object(props)
            schema = .object(o)
        }
        return schema
    }
    public init() {}

    static let extensions = ["python": "py", "bash": "sh", "node": "js"]

    public func run(_ context: ToolContext) async throws -> ExecResult {
        let language = try context.string("language")
        let source = try context.string("source")
        guard let ext = Self.extensions[language] else {
            throw JobFailure("step \(context.index + 1): unknown language \"\(language)\" (known: bash, node, python)", kind: .permanent)
        }
        guard let interpreter = context.session.interpreter(language) else {
            throw JobFailure("step \(context.index + 1): \(language) is not installed in the sandbox", kind: .permanent)
        }
        // The source goes in through stdin into a file, so its size is not bound by argv limits.
        let file = ".swissagent/step-\(context.index + 1).\(ext)"
        return try await context.exec(
            ["/bin/sh", "-c", "mkdir -p .swissagent && cat > \"$0\" && exec \"$@\" \"$0\"", file] + interpreter, stdin: source)
    }
}
