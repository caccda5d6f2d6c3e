/// `shell`: runs `input.command` with /bin/sh in the workspace.
public struct ShellTool: Tool {
    public let name = "shell"
    public init() {}

    public func run(_ context: ToolContext) async throws -> ExecResult {
        try await context.exec(["/bin/sh", "-c", try context.string("command")])
    }
}
