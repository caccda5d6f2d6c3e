/// Tool name -> tool.
public struct ToolRouter: Sendable {
    private let tools: [String: any Tool]

    public init(_ tools: [any Tool] = [ShellTool(), CodeTool(), WriteFileTool(), ReadFileTool()]) {
        self.tools = Dictionary(tools.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    }

    public var names: [String] { tools.keys.sorted() }

    /// The tools as a model is told of them, by name: a tool reaches the model by being registered.
    public var definitions: [ToolDefinition] {
        names.compactMap { tools[$0] }.map { ToolDefinition(name: $0.name, description: $0.summary, parameters: $0.parameters) }
    }

    /// The input schema of a tool, when there is one by that name.
    public func parameters(of name: String) -> JSONValue? { tools[name]?.parameters }

    public func tool(_ name: String, step: Int) throws -> any Tool {
        guard let tool = tools[name] else {
            throw JobFailure("step \(step + 1): unknown tool \"\(name)\" (known: \(names.joined(separator: ", ")))", kind: .permanent)
        }
        return tool
    }
}
