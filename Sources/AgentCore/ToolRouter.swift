/// Tool name -> tool.
public struct ToolRouter: Sendable {
    private let tools: [String: any Tool]

    public init(_ tools: [any Tool] = [ShellTool(), CodeTool(), WriteFileTool(), ReadFileTool()]) {
        self.tools = Dictionary(tools.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    }

    public var names: [String] { tools.keys.sorted() }

    public func tool(_ name: String, step: Int) throws -> any Tool {
        guard let tool = tools[name] else {
            throw JobFailure("step \(step + 1): unknown tool \"\(name)\" (known: \(names.joined(separator: ", ")))", kind: .permanent)
        }
        return tool
    }
}
