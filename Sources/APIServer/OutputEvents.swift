import AgentCore
import Hummingbird
import NIOCore
import RedisQueue
import ServiceLifecycle

extension APIServer {
    /// The job's output as Server-Sent Events: each chunk an event whose id is its place in the stream
    /// (so Last-Event-ID resumes), following live, ending with an `end` event once the job is finished.
    /// On shutdown the stream ends early with a `retry` hint: the client resumes on another replica.
    func outputEvents(_ id: String, after: String) -> Response {
        let queue = queue
        let body = ResponseBody { writer in
            let reader = queue.withNewConnection(label: "sse")
            var offset = after
            while !Task.isShuttingDownGracefully {
                let events = try await reader.readOutput(id: id, after: offset, limit: 500, wait: 1)
                for e in events {
                    let data = JSONWriter.write(.object(["step": .number(Double(e.step)), "stream": .string(e.stream.rawValue),
                                                         "text": .string(e.text)]))
                    try await writer.write(ByteBuffer(string: "id: \(e.offset)\nevent: output\ndata: " + String(decoding: data, as: UTF8.self) + "\n\n"))
                    offset = e.offset
                }
                if events.isEmpty {
                    guard let job = try await queue.job(id: id) else { break }
                    if job.state.isTerminal {
                        try await writer.write(ByteBuffer(string: "event: end\ndata: {\"state\":\"\(job.state.rawValue)\"}\n\n"))
                        break
                    }
                    try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                }
            }
            if Task.isShuttingDownGracefully { try await writer.write(ByteBuffer(string: "retry: 1000\n\n")) }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }
}
