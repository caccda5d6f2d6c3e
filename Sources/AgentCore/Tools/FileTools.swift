/// `write_file`: writes `input.content` to `input.path` inside the workspace.
public struct WriteFileTool: Tool {
    public let name = "write_file"
    public init() {}

    public func run(_ context: ToolContext) async throws -> ExecResult {
        let path = try workspacePath(try context.string("path"), step: context.index)
        return try await context.exec(["/bin/sh", "-c", "mkdir -p -- \"$(dirname -- \"$0\")\" && cat > \"$0\"", path],
                                      stdin: try context.string("content"))
    }
}

/// `read_file`: prints the file at `input.path` inside the workspace to the step's output.
public struct ReadFileTool: Tool {
    public let name = "read_file"
    public init() {}

    public func run(_ context: ToolContext) async throws -> ExecResult {
        let path = try workspacePath(try context.string("path"), step: context.index)
        return try await context.exec(["/bin/cat", "--", path])
    }
}
