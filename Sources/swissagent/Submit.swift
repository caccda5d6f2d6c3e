import AgentCore
import ArgumentParser
import Foundation
import RedisQueue

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
        let specs = try parseJobs(data)
        let jobQueue = try global.makeQueue()
        let ids = try await jobQueue.enqueue(batch: specs)
        // Unbuffered, so the ids come before any output --wait streams.
        FileHandle.standardOutput.write(Data(ids.map { $0 + "\n" }.joined().utf8))
        if wait {
            var ok = true
            for id in ids { ok = try await JobFollower(queue: jobQueue, output: output).follow(id: id) && ok }
            if !ok { throw ExitCode(1) }
        }
    }

    private func parseJobs(_ data: Data) throws -> [JobSpec] {
        let parser = JobSpecParser()
        let value: JSONValue
        do { value = try JSONValue.parse(data) } catch {
            // Let the parser word the JSON error.
            do { _ = try parser.parse(data) } catch { throw CLIError("invalid job: \(error)") }
            throw CLIError("invalid job: not valid JSON")
        }
        let items = value.arrayValue ?? [value]
        if items.isEmpty { throw CLIError("invalid job: the array holds no jobs") }
        guard data.count <= parser.maxBytes * max(1, items.count) else {
            throw CLIError("invalid job: input is \(data.count) bytes, over the limit")
        }
        return try items.enumerated().map { i, item in
            do {
                if item.jsonString().utf8.count > parser.maxBytes {
                    throw JobSpecError("", "job is over the \(parser.maxBytes)-byte limit")
                }
                var spec = try parser.parse(item, defaultQueue: queue)
                if let queue, item["queue"] == nil { spec.queue = queue }
                return spec
            } catch {
                throw CLIError(items.count == 1 ? "invalid job: \(error)" : "invalid job [\(i)]: \(error)")
            }
        }
    }
}

/// Reads a file, or standard input for "-".
func readInput(_ path: String) throws -> Data {
    if path == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
    guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read \(path)") }
    return data
}
