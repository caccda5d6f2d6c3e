/// `shell`: runs `input.command` with /bin/sh in the workspace.
public struct ShellTool: Tool {
    public let name = "shell"
    public let summary = "Run a shell command (/bin/sh -c) in the job's workspace; its output and exit status come back."
    public var parameters: JSONValue { Self.strings([("command", "The command line to run.")]) }
    public init() {}

    public func run(_ context: ToolContext) async throws -> ExecResult {
        // Through a file, not argv: a command of any size (up to the reply bounds) runs.
        try await context.execSource(try context.string("command"), fileExtension: "sh", interpreter: ["/bin/sh"])
    }
}
