import AgentCore
import ArgumentParser
import CommandOptions
import Foundation
import Operations

struct Submit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Put a job (or a JSON array of jobs) on the queue and print each id.",
        discussion: "Reads FILE, or standard input when FILE is -. A job that fails validation is refused with the field and the reason.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "A job JSON file, or - for standard input.")
    var file: String

    @Option(help: "Queue for jobs that do not name one.")
    var queue: String?

    @Flag(help: "Follow the job's state and output until it finishes; exit 0 only if it succeeded.")
    var wait = false

    func run() async throws {
        let data = try readInput(file)
        let specs: [JobSpec]
        do { specs = try JobBatch.parse(data, defaultQueue: queue) } catch { throw CLIError(error.description) }
        let jobQueue = try global.makeQueue()
        let entries: [Enqueued]
        do { entries = try await JobSubmission.submit(specs, as: .operator, to: jobQueue) } catch let e as JobSubmission.Refused {
            throw CLIError(e.description)
        }
        let ids = entries.map(\.id)
        for e in entries where !e.created { output.warn("\(e.id): a job with this id exists; it was left as it is") }
        // Unbuffered, so the ids come before any output --wait streams.
        Output.write(Data(ids.map { $0 + "\n" }.joined().utf8), to: .standardOutput)
        if wait {
            var ok = true
            for id in ids { ok = try await JobFollower(queue: jobQueue, output: output).follow(id: id) && ok }
            if !ok { throw ExitCode(1) }
        }
    }
}

/// Reads a file, or standard input for "-".
func readInput(_ path: String) throws -> Data {
    if path == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
    guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read \(path)") }
    return data
}
