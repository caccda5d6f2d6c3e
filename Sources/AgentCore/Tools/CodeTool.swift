/// `code`: runs `input.source` with the interpreter for `input.language` (python, bash, node).
public struct CodeTool: Tool {
    public let name = "code"
    public let summary = "Run a program in the job's workspace: Python, bash or Node source; its output and exit status come back."
    public var parameters: JSONValue {
        var schema = Self.strings([("language", "python, bash or node."), ("source", "The program's source.")])
        if case .object(var o) = schema, case .object(var props) = o["properties"] {
            props["language"] = ["type": "string", "enum": .array(CodeLanguage.allCases.map { .string($0.rawValue) })]
            o["properties"] = .object(props)
            schema = .object(o)
        }
        return schema
    }
    public init() {}

    public func run(_ context: ToolContext) async throws -> ExecResult {
        let name = try context.string("language")
        let source = try context.string("source")
        guard let language = CodeLanguage(rawValue: name) else {
            throw JobFailure("step \(context.index + 1): unknown language \"\(name.prefix(40))\" (known: \(CodeLanguage.allowed))", kind: .permanent)
        }
        guard let interpreter = context.session.interpreter(language) else {
            throw JobFailure("step \(context.index + 1): \(language.rawValue) is not installed in the sandbox", kind: .permanent)
        }
        return try await context.execSource(source, fileExtension: language.fileExtension, interpreter: interpreter)
    }
}

/// The languages a `code` step may be written in: a fixed set, checked where a job enters.
public enum CodeLanguage: String, Sendable, CaseIterable {
    case bash, node, python

    public static let allowed = allCases.map(\.rawValue).joined(separator: ", ")

    var fileExtension: String {
        switch self {
        case .bash: "sh"
        case .node: "js"
        case .python: "py"
        }
    }
}
