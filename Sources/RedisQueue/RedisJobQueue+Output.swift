import AgentCore
import Foundation

extension RedisJobQueue {
    /// Appends to the job's output stream, capped at about `outputMaxEntries` entries (MAXLEN ~).
    public func appendOutput(_ token: ClaimToken, events: [OutputEvent]) async throws {
        if events.isEmpty { return }
        let key = keys.queue(token.queue).output(token.id)
        let cmds: [[any RedisArgument]] = events.map {
            ["XADD", key, "MAXLEN", "~", outputMaxEntries, "*", "step", $0.step, "stream", $0.stream.rawValue, "text", $0.text]
        }
        for reply in try await client.pipeline(cmds) { try reply.orThrow() }
    }

    public func readOutput(id: String, after offset: String, limit: Int, wait: Double) async throws -> [OutputEvent] {
        guard let queue = try await locate(id) else { return [] }
        let key = keys.queue(queue).output(id)
        let start = offset.isEmpty ? "-" : "(" + offset
        let page = try await client.call("XRANGE", key, start, "+", "COUNT", limit)
        var events = Self.decodeEntries(page)
        if events.isEmpty && wait > 0 {
            let reply = try await client.send(
                ["XREAD", "COUNT", limit, "BLOCK", Int(wait * 1000), "STREAMS", key, offset.isEmpty ? "0-0" : offset],
                timeout: wait + client.config.commandTimeout).orThrow()
            // XREAD answers [[key, entries]] or nil on timeout.
            if let streams = reply.array, let first = streams.first?.array, first.count == 2 {
                events = Self.decodeEntries(first[1])
            }
        }
        return events
    }

    static func decodeEntries(_ reply: RedisReply) -> [OutputEvent] {
        (reply.array ?? []).compactMap { entry in
            guard let pair = entry.array, pair.count == 2, let offset = pair[0].text, let fields = pair[1].array else { return nil }
            var f: [String: String] = [:]
            for i in stride(from: 0, to: fields.count - 1, by: 2) {
                if let k = fields[i].text { f[k] = fields[i + 1].text ?? "" }
            }
            return OutputEvent(offset: offset, step: f["step"].flatMap { Int($0) } ?? 0,
                               stream: f["stream"].flatMap(OutputEvent.Stream.init(rawValue:)) ?? .stdout, text: f["text"] ?? "")
        }
    }
}
