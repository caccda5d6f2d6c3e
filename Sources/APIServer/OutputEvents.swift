import AgentCore
import Hummingbird
import NIOCore
import RedisQueue
import ServiceLifecycle
import Synchronization

extension APIServer {
    /// The job's output as Server-Sent Events: each chunk an event whose id is its place in the stream
    /// (so Last-Event-ID resumes), following live, ending with an `end` event once the job is finished.
    /// On shutdown the stream ends early with a `retry` hint: the client resumes on another replica.
    func outputEvents(_ id: String, after: String, slots streams: StreamSlots) -> Response {
        guard after.isEmpty || Self.isStreamID(after) else {
            return APIResponse.error(.badRequest, "invalid_last_event_id", "Last-Event-ID is the id of an event of this stream (digits-digits)")
        }
        // Each open stream holds a Redis connection: at most `maxStreams` at once on this replica.
        guard let slot = streams.take() else {
            var response = APIResponse.error(.serviceUnavailable, "too_many_streams", "\(streams.limit) output streams are open here: retry shortly")
            response.headers[.retryAfter] = "5"
            return response
        }
        let queue = queue
        let body = ResponseBody { writer in
            let reader = queue.withNewConnection(label: "sse")
            var offset = after
            var finished: JobState?
            while !Task.isShuttingDownGracefully {
                let events = try await reader.readOutput(id: id, after: offset, limit: 500, wait: finished == nil ? 1 : 0)
                for e in events {
                    let data = JSONWriter.write(.object(["step": .number(Double(e.step)), "stream": .string(e.stream.rawValue),
                                                         "text": .string(e.text)]))
                    try await writer.write(ByteBuffer(string: "id: \(e.offset)\nevent: output\ndata: " + String(decoding: data, as: UTF8.self) + "\n\n"))
                    offset = e.offset
                }
                if !events.isEmpty { continue }
                if let state = finished {
                    try await writer.write(ByteBuffer(string: "event: end\ndata: {\"state\":\"\(state.rawValue)\"}\n\n"))
                    break
                }
                guard let job = try await queue.job(id: id) else { break }
                // Finished: read once more, for output that landed between the last read and the end.
                if job.state.isTerminal { finished = job.state; continue }
                try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
            }
            if Task.isShuttingDownGracefully { try await writer.write(ByteBuffer(string: "retry: 1000\n\n")) }
            try await writer.finish(nil)
            withExtendedLifetime(slot) {}
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }

    /// A Redis stream entry id: milliseconds-sequence.
    static func isStreamID(_ s: String) -> Bool {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy { !$0.isEmpty && $0.count <= 20 && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }
    }
}

/// Counts open output streams. A slot is given back when its holder is freed, whether the stream
/// ran to its end, failed, or never started.
final class StreamSlots: Sendable {
    let limit: Int
    private let open = Mutex(0)

    init(limit: Int) { self.limit = limit }

    func take() -> Slot? {
        let ok = open.withLock { n -> Bool in
            if n >= limit { return false }
            n += 1
            return true
        }
        return ok ? Slot(owner: self) : nil
    }

    fileprivate func give() { open.withLock { $0 -= 1 } }

    final class Slot: Sendable {
        private let owner: StreamSlots
        fileprivate init(owner: StreamSlots) { self.owner = owner }
        deinit { owner.give() }
    }
}
