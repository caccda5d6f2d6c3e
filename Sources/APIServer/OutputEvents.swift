import AgentCore
import Hummingbird
import NIOCore
import Operations
import ServiceLifecycle
import Synchronization

extension APIServer {
    /// The job's output as Server-Sent Events: each chunk an event whose id is its place in the stream
    /// (so Last-Event-ID resumes), following live, ending with an `end` event once the job is finished.
    /// On shutdown the stream ends early with a `retry` hint: the client resumes on another replica.
    func outputEvents(_ id: String, after: String, slots streams: StreamSlots, tenant: String) -> Response {
        guard after.isEmpty || Self.isStreamID(after) else {
            return APIResponse.error(.badRequest, "invalid_last_event_id", "Last-Event-ID is the id of an event of this stream (digits-digits)")
        }
        // Each open stream holds a Redis connection: at most `maxStreams` at once on this replica, and
        // at most `perTenant` of them for one tenant.
        let slot: StreamSlots.Slot
        switch streams.take(tenant: tenant) {
        case .success(let s): slot = s
        case .failure(let full):
            let message = full == .tenant ? "this tenant has \(streams.perTenant) output streams open here: close one or retry shortly"
                : "\(streams.limit) output streams are open here: retry shortly"
            var response = APIResponse.error(full == .tenant ? .tooManyRequests : .serviceUnavailable, "too_many_streams", message)
            response.headers[.retryAfter] = "5"
            return response
        }
        let queue = queue
        let body = ResponseBody { writer in
            var follower = OutputFollower(id, after: after, on: queue, label: "sse")
            following: while !Task.isShuttingDownGracefully {
                switch try await follower.next(wait: 1) {
                case .output(let events):
                    for e in events {
                        let (name, value) = Self.event(e)
                        let data = String(decoding: JSONWriter.write(value), as: UTF8.self)
                        try await writer.write(ByteBuffer(string: "id: \(e.offset)\nevent: \(name)\ndata: " + data + "\n\n"))
                    }
                case .waiting: try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                case .ended(let job):
                    try await writer.write(ByteBuffer(string: "event: end\ndata: {\"state\":\"\(job.state.rawValue)\"}\n\n"))
                    break following
                case .gone: break following
                }
            }
            if Task.isShuttingDownGracefully { try await writer.write(ByteBuffer(string: "retry: 1000\n\n")) }
            try await writer.finish(nil)
            withExtendedLifetime(slot) {}
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }

    /// An output chunk as an `output` event, or an agent's transcript entry as an `agent` event (its
    /// fields and the step); an entry that does not read as one goes out as the text it is.
    static func event(_ e: OutputEvent) -> (String, JSONValue) {
        if e.stream == .agent, let entry = TranscriptEntry.decode(e.text), case .object(var fields) = WireModel.encode(TranscriptEntryView(entry)) {
            fields["step"] = .number(Double(e.step))
            return ("agent", .object(fields))
        }
        return ("output", .object(["step": .number(Double(e.step)), "stream": .string(e.stream.rawValue), "text": .string(e.text)]))
    }

    /// A Redis stream entry id: milliseconds-sequence.
    static func isStreamID(_ s: String) -> Bool {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy { !$0.isEmpty && $0.count <= 20 && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }
    }
}

/// Counts open output streams, in all and per tenant. A slot is given back when its holder is
/// freed, whether the stream ran to its end, failed, or never started.
final class StreamSlots: Sendable {
    enum Full: Error { case replica, tenant }

    let limit: Int
    let perTenant: Int
    private let open = Mutex<(total: Int, byTenant: [String: Int])>((0, [:]))

    init(limit: Int, perTenant: Int) {
        self.limit = limit
        self.perTenant = perTenant
    }

    func take(tenant: String) -> Result<Slot, Full> {
        let full = open.withLock { state -> Full? in
            if state.byTenant[tenant, default: 0] >= perTenant { return .tenant }
            if state.total >= limit { return .replica }
            state.total += 1
            state.byTenant[tenant, default: 0] += 1
            return nil
        }
        if let full { return .failure(full) }
        return .success(Slot(owner: self, tenant: tenant))
    }

    fileprivate func give(_ tenant: String) {
        open.withLock { state in
            state.total -= 1
            let left = state.byTenant[tenant, default: 1] - 1
            state.byTenant[tenant] = left > 0 ? left : nil
        }
    }

    final class Slot: Sendable {
        private let owner: StreamSlots
        private let tenant: String
        fileprivate init(owner: StreamSlots, tenant: String) {
            self.owner = owner
            self.tenant = tenant
        }
        deinit { owner.give(tenant) }
    }
}
