import AgentCore
import ArgumentParser
import CommandOptions
import Foundation
import Operations

struct JobsFiles: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "files", abstract: "List the files a job ended with (its workspace, kept in the artifact store).")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The job id.")
    var id: String

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let files = JobFiles(store: try global.makeArtifacts())
        guard let (job, manifest) = try await JobFileAccess.list(id, as: .operator, queue: try global.makeQueue(), files: files) else {
            throw CLIError("no job with id \(id)")
        }
        if json {
            output.json(WireModel.files(manifest, id: job.id).prettyJSON())
            return
        }
        guard let manifest else {
            output.say(job.state.isTerminal ? "\(job.id) kept no files" : "\(job.id) has no files yet: they are kept when it ends")
            return
        }
        let rows = manifest.files.map { [$0.path, HumanText.bytes($0.size), Format.timestamp(Date(timeIntervalSince1970: $0.modified))] }
        output.say(Format.table(["PATH", "SIZE", "MODIFIED"], rows))
        output.say("\(manifest.files.count) file\(manifest.files.count == 1 ? "" : "s"), \(HumanText.bytes(manifest.bytes))")
        if !manifest.omitted.isEmpty {
            output.say("left out" + (manifest.omittedWhy.map { " (\($0))" } ?? "") + ": " + manifest.omitted.joined(separator: ", "))
        }
    }
}

struct JobsDownload: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "download", abstract: "Download a job's files (all, or the paths named) into a folder.",
        discussion: "Files go into -o DIR (default: a new folder named after the job). An existing file is not replaced "
            + "without --force, and nothing is written through a link: the files were made by the job.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The job id.")
    var id: String

    @Argument(help: "Paths to download (default: every file).")
    var paths: [String] = []

    @Option(name: .shortAndLong, help: "The folder to write into.")
    var output: String?

    @Flag(help: "Replace files that exist.")
    var force = false

    func run() async throws {
        let files = JobFiles(store: try global.makeArtifacts())
        let queue = try global.makeQueue()
        guard let (job, manifest) = try await JobFileAccess.list(id, as: .operator, queue: queue, files: files) else {
            throw CLIError("no job with id \(id)")
        }
        guard let manifest else { throw CLIError("\(job.id) has no files" + (job.state.isTerminal ? "" : " yet: they are kept when it ends")) }
        let wanted = paths.isEmpty ? manifest.files : try paths.map { path in
            guard let f = manifest.files.first(where: { $0.path == path }) else { throw CLIError("\(job.id) has no file \(path)") }
            return f
        }
        let folder = output ?? job.id.replacingOccurrences(of: ":", with: "_")
        let writer = try DownloadFolder(folder, force: force)
        var total = 0
        for file in wanted {
            guard let (_, data) = try await files.read(job, path: file.path) else { throw CLIError("\(file.path) is gone from the store") }
            try writer.write(file.path, data, executable: file.mode & 0o111 != 0)
            total += data.count
        }
        print("\(wanted.count) file\(wanted.count == 1 ? "" : "s"), \(HumanText.bytes(total)), in \(TerminalText.visible(folder))")
    }
}

/// Where downloaded files go: paths a job chose are checked, folders made without following links,
/// files written fresh (O_EXCL unless forced, never through a link) without set-id bits.
struct DownloadFolder {
    let root: String
    let force: Bool

    init(_ root: String, force: Bool) throws {
        self.root = root
        self.force = force
        do { try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true) } catch {
            throw CLIError("cannot make \(root): \(error.localizedDescription)")
        }
    }

    func write(_ path: String, _ data: Data, executable: Bool) throws {
        guard WorkspaceManifest.isSafePath(path) else { throw CLIError("refused a file path that leaves the folder: \(TerminalText.visible(path))") }
        var dir = root
        for part in path.split(separator: "/").dropLast() {
            dir += "/" + part
            var info = stat()
            if lstat(dir, &info) == 0 {
                guard (info.st_mode & S_IFMT) == S_IFDIR else { throw CLIError("\(TerminalText.visible(dir)) exists and is not a folder") }
            } else if mkdir(dir, 0o755) != 0 {
                throw CLIError("cannot make \(TerminalText.visible(dir)): \(String(cString: strerror(errno)))")
            }
        }
        let full = root + "/" + path
        let flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | (force ? O_TRUNC : O_EXCL)
        let fd = open(full, flags, executable ? 0o755 : 0o644)
        guard fd >= 0 else {
            let why = errno == EEXIST ? "it exists (--force replaces it)" : String(cString: strerror(errno))
            throw CLIError("cannot write \(TerminalText.visible(full)): \(why)")
        }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        try handle.write(contentsOf: data)
    }
}
