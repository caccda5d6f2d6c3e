import Foundation

/// `write_file`: writes `input.content` to `input.path` inside the workspace.
public struct WriteFileTool: Tool {
    public let name = "write_file"
    public let summary = "Write a text file in the job's workspace (a path relative to it), replacing what was there."
    public var parameters: JSONValue { Self.strings([("path", "The file's path, relative to the workspace."), ("content", "The whole text.")]) }
    public init() {}

    public func run(_ context: ToolContext) async throws -> ExecResult {
        let path = try workspacePath(try context.string("path"), step: context.index)
        return try await WorkspaceFiles.write(Data(try context.string("content").utf8), to: path, in: context.session, limits: context.limits,
                                              output: context.output)
    }
}

/// Files of a job's workspace, written the one way every tool writes them: through the sandbox's
/// own file transfer when it has one (E2B), else through the sandbox, as the job's uid, so the file
/// is the job's like any it writes.
public enum WorkspaceFiles {
    /// `path`: relative to the workspace, already checked (`workspacePath`).
    public static func write(_ data: Data, to path: String, in session: any SandboxSession, limits: ResourceLimits,
                             output: @escaping OutputHandler = { _, _ in }) async throws -> ExecResult {
        if let files = session as? any FileTransferSession {
            let start = ContinuousClock.now
            try await files.writeFile(path, data)
            return ExecResult(exitCode: 0, seconds: (ContinuousClock.now - start).seconds, outputBytes: 0)
        }
        return try await session.exec(ExecRequest(argv: ["/bin/sh", "-c", "mkdir -p -- \"$(dirname -- \"$0\")\" && cat > \"$0\"", path],
                                                  stdin: data, limits: limits), output: output)
    }
}

/// `read_file`: prints the file at `input.path` inside the workspace to the step's output.
public struct ReadFileTool: Tool {
    public let name = "read_file"
    public var onlyReads: Bool { true }
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
