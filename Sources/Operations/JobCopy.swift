import AgentCore
import Foundation

/// A new job made from an existing one (run it again, run it here, run it edited): the original
/// keeps its place and history, and the copy says where it came from.
public enum JobCopy {
    /// Why a copy was made, noted in the copy's metadata.
    public enum Origin: String, Sendable {
        case copied = "copied_from"
        case edited = "edited_from"
    }

    /// The copy's spec: `specText` (the original's, or an edited one), with no id of its own.
    public static func spec(_ specText: String, of id: String, origin: Origin = .copied, queue: String? = nil) throws -> JobSpec {
        var spec = try JobSpecParser().parse(Data(specText.utf8))
        spec.id = nil
        // A copy runs now; an edited spec keeps the run_at it was given.
        if origin == .copied { spec.runAt = nil }
        if let queue { spec.queue = queue }
        spec.metadata[origin.rawValue] = .string(id)
        return spec
    }

    /// Queues a copy of the job `id` (edited when `specText` is given); nil when there is no such job.
    public static func enqueue(copyOf id: String, specText: String? = nil, queue: String? = nil,
                               on jobs: any QueueReader & QueueOperator) async throws -> String? {
        let text: String
        if let specText { text = specText } else {
            guard let record = try await jobs.job(id: id) else { return nil }
            text = record.specJSON
        }
        return try await jobs.enqueue(spec(text, of: id, origin: specText == nil ? .copied : .edited, queue: queue))
    }
}
