import AgentCore
import Foundation

extension RedisJobQueue {
    /// Appends to the job's output stream, capped at `outputMaxBytes` per job (counted in the job's
    /// hash, so the cap holds across attempts and workers) and at about `outputMaxEntries` entries.
    @discardableResult
    public func appendOutput(_ token: ClaimToken, events: [OutputEvent]) async throws -> OutputAppend {
        if events.isEmpty { return OutputAppend(.stored) }
        let q = keys.queue(token.queue)
        var args: [any RedisArgument] = [token.claim, outputMaxEntries, outputMaxBytes]
        for e in events { args += [e.step, e.stream.rawValue, e.text] }
        let reply = try await client.eval(Scripts.appendOutput, keys: [q.job(token.id), q.output(token.id)], args: args).orThrow()
        guard let parts = reply.array, parts.count == 2, let outcome = parts[0].text.flatMap(OutputAppend.Outcome.init(rawValue:)),
              let dropped = parts[1].int, dropped >= 0 else {
            throw RedisError.unexpectedReply("append_output answered \(reply)")
        }
        return OutputAppend(outcome, droppedBytes: Int(dropped))
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
            return OutputEvent(offset: offset, step: Stored.count(f["step"]).map { min($0, 1 << 20) } ?? 0,
                               stream: f["stream"].flatMap(OutputEvent.Stream.init(rawValue:)) ?? .stdout, text: f["text"] ?? "")
        }
    }
}
