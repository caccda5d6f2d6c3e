import Foundation

/// `write_file`: writes `input.content` to `input.path` inside the workspace.
public struct WriteFileTool: Tool {
    public let name = "write_file"
    public let summary = "Write a text file in the job's workspace (a path relative to it), replacing what was there."
    public var parameters: JSONValue { Self.strings([("path", "The file's path, relative to the workspace."), ("content", "The whole text.")]) }
    public init() {}

    public func run(_ context: ToolContext) async throws -> ExecResult {
        let path = try workspacePath(try context.string("path"), step: context.index)
        let content = try context.string("content")
        if let files = context.session as? any FileTransferSession {
            let start = ContinuousClock.now
            try await files.writeFile(path, Data(content.utf8))
            return ExecResult(exitCode: 0, seconds: (ContinuousClock.now - start).seconds, outputBytes: 0)
        }
        return try await context.exec(["/bin/sh", "-c", "mkdir -p -- \"$(dirname -- \"$0\")\" && cat > \"$0\"", path], stdin: content)
    }
}

/// `read_file`: prints the file at `input.path` inside the workspace to the step's output.
public struct ReadFileTool: Tool {
    public let name = "read_file"
    public let summary = "Read a text file of the job's workspace (a path relative to it)."
    public var parameters: JSONValue { Self.strings([("path", "The file's path, relative to the workspace.")]) }
    public init() {}

    public func run(_ context: ToolContext) async throws -> ExecResult {
        let path = try workspacePath(try context.string("path"), step: context.index)
        if let files = context.session as? any FileTransferSession {
            let start = ContinuousClock.now
            guard let data = try await files.readFile(path) else {
                throw JobFailure("step \(context.index + 1): \(path) does not exist", kind: .permanent)
            }
            let shown = data.prefix(context.limits.outputBytes)
            context.output(.stdout, String(decoding: shown, as: UTF8.self))
            return ExecResult(exitCode: 0, seconds: (ContinuousClock.now - start).seconds, outputBytes: shown.count,
                              limit: data.count > shown.count ? .output : nil)
        }
        return try await context.exec(["/bin/cat", "--", path])
    }
}
