/// Tool name -> tool. A model is told of the tools in the order they were given (the standard ones
/// first: a small model tends to call what it reads first).
public struct ToolRouter: Sendable {
    private let tools: [String: any Tool]
    private let order: [String]

    public static let standardTools: [any Tool] = [CodeTool(), ReadFileTool(), ShellTool(), WriteFileTool()]
    /// The standard tools and the browser's, for workers whose sandboxes can run a browser.
    public static let withBrowser = ToolRouter(standardTools + BrowserTools.all)

    public init(_ tools: [any Tool] = ToolRouter.standardTools) {
        self.tools = Dictionary(tools.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var seen = Set<String>()
        order = tools.map(\.name).filter { seen.insert($0).inserted }
    }

    public var names: [String] { tools.keys.sorted() }

    /// The tools as a model is told of them, by name: a tool reaches the model by being registered.
    public var definitions: [ToolDefinition] {
        order.compactMap { tools[$0] }.map { ToolDefinition(name: $0.name, description: $0.summary, parameters: $0.parameters) }
    }

    /// Whether calls of the tool change nothing, so one that was interrupted may run again.
    public func onlyReads(_ name: String) -> Bool { tools[name]?.onlyReads ?? false }

    /// The input schema of a tool, when there is one by that name.
    public func parameters(of name: String) -> JSONValue? { tools[name]?.parameters }

    public func tool(_ name: String, step: Int) throws -> any Tool {
        guard let tool = tools[name] else {
            throw JobFailure("step \(step + 1): unknown tool \"\(name)\" (known: \(names.joined(separator: ", ")))", kind: .permanent)
        }
        return tool
    }
}
