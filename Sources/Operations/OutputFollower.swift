import AgentCore

/// Follows one job's output to its end, the same for `submit --wait`, the API's event stream and
/// the console's output screen: output as it comes, the job's state while there is none, and the
/// end once the job is finished and every chunk has been read.
public struct OutputFollower: Sendable {
    /// One step of following.
    public enum Step: Sendable {
        /// Output chunks, oldest first.
        case output([OutputEvent])
        /// Nothing new within the wait: the job as it is now (not finished).
        case waiting(JobRecord)
        /// The job finished and all its output has been read.
        case ended(JobRecord)
        /// There is no such job (or it was deleted while followed).
        case gone
    }

    public let id: String
    /// Where the next read starts: the last chunk's offset ("" for the start).
    public private(set) var offset: String
    public var limit = 500
    private var finished: JobRecord?
    private let records: any QueueReader
    private let stream: any QueueReader

    /// `after`: an offset to resume from (an event stream's Last-Event-ID). Output reads block, so
    /// they get a connection of their own; the job's state is read on `queue`'s.
    public init(_ id: String, after: String = "", on queue: any QueueReader, label: String = "follow") {
        self.init(id, after: after, records: queue, stream: queue.withNewConnection(label: label))
    }

    /// `stream`: a connection the caller keeps for blocking reads (the console's, for every screen).
    public init(_ id: String, after: String = "", records: any QueueReader, stream: any QueueReader) {
        self.id = id
        offset = after
        self.records = records
        self.stream = stream
    }

    /// The next step, waiting up to `wait` seconds for output while the job runs.
    public mutating func next(wait: Double) async throws -> Step {
        while true {
            let events = try await stream.readOutput(id: id, after: offset, limit: limit, wait: finished == nil ? wait : 0)
            if let last = events.last {
                offset = last.offset
                return .output(events)
            }
            if let finished { return .ended(finished) }
            guard let job = try await records.job(id: id) else { return .gone }
            guard job.state.isTerminal else { return .waiting(job) }
            // Finished: read once more, for output that landed between the last read and the end.
            finished = job
        }
    }
}
