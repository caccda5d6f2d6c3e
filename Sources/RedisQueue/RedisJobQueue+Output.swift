import AgentCore
import Foundation
import Redis

extension RedisJobQueue {
    /// Appends to the job's output stream, capped at `outputMaxBytes` per job (counted in the job's
    /// hash, so the cap holds across attempts and workers) and at about `outputMaxEntries` entries.
    @discardableResult
    public func appendOutput(_ token: ClaimToken, events: [OutputEvent]) async throws -> OutputAppend {
        try await report(token, ReportBatch(output: events)).output
    }

    /// The batch's parts sent at once, in order, on this connection (one round trip), then their answers.
    public func report(_ token: ClaimToken, _ batch: ReportBatch) async throws -> ReportOutcome {
        let q = keys.queue(token.queue)
        func command(_ keys: [String], _ args: [any RedisArgument]) -> [[UInt8]] {
            [Array("EVALSHA".utf8), [], Array(String(keys.count).utf8)] + keys.map(\.redisBytes) + args.map(\.redisBytes)
        }
        var output: RedisClient.ScriptReplies?, transcript: RedisClient.ScriptReplies?, steps: RedisClient.ScriptReplies?
        if !batch.output.isEmpty {
            var args: [any RedisArgument] = [token.claim, outputMaxEntries, outputMaxBytes]
            for e in batch.output { args += [e.step, e.stream.rawValue, e.text] }
            output = try await client.submitScript(Scripts.appendOutput, [command([q.job(token.id), q.output(token.id)], args)])
        }
        if let records = batch.steps {
            steps = try await client.submitScript(Scripts.record, [command([q.job(token.id)], try recordArgs(token, records, sandbox: batch.sandbox, usage: nil))])
        }
        if !batch.transcript.isEmpty {
            transcript = try await client.submitScript(
                Scripts.appendTranscript, [command([q.job(token.id), q.transcript(token.id), q.metrics], transcriptArgs(token, batch.model, batch.transcript))])
        }
        var answer = ReportOutcome(output: OutputAppend(.stored), transcript: OutputAppend(.stored))
        if let output { answer.output = try Self.decodeAppend(try await output.replies()[0].orThrow(), script: "append_output") }
        if let steps { try await steps.replies()[0].orThrow() }
        if let transcript { answer.transcript = try Self.decodeAppend(try await transcript.replies()[0].orThrow(), script: "append_transcript") }
        return answer
    }

    /// The {outcome, dropped bytes} answer of append_output and append_transcript.
    static func decodeAppend(_ reply: RedisReply, script: String) throws -> OutputAppend {
        guard let parts = reply.array, parts.count == 2, let outcome = parts[0].text.flatMap(OutputAppend.Outcome.init(rawValue:)),
              let dropped = parts[1].int, dropped >= 0 else {
            throw RedisError.unexpectedReply("\(script) answered \(reply)")
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

extension RedisJobQueue {
    /// Appends to the job's transcript list, capped at `transcriptMaxBytes` per job (counted in the
    /// job's hash), and counts each model call on the job and in the queue's metrics, in one script.
    @discardableResult
    public func appendTranscript(_ token: ClaimToken, model: String, entries: [TranscriptEntry]) async throws -> OutputAppend {
        try await report(token, ReportBatch(transcript: entries, model: model)).transcript
    }

    func transcriptArgs(_ token: ClaimToken, _ model: String, _ entries: [TranscriptEntry]) -> [any RedisArgument] {
        var args: [any RedisArgument] = [token.claim, transcriptMaxBytes, model]
        for e in entries {
            func whole(_ v: Double?, _ scale: Double) -> Int { Int(min(max(0, ((v ?? 0) * scale).rounded()), 1e12)) }
            args += [e.json(), e.kind.rawValue, max(0, e.inputTokens ?? 0), max(0, e.outputTokens ?? 0), whole(e.dollars, 1e6),
                     whole(e.seconds, 1000)]
        }
        return args
    }

    /// The stored transcript, oldest first; entries that do not read as one are skipped.
    public func stepRecords(id: String) async throws -> [StepRecord] {
        guard let queue = try await locate(id), let text = try await client.call("HGET", keys.queue(queue).job(id), "steps").text else { return [] }
        // Stored by a worker, but read back as untrusted: garbage is no records.
        return (try? JSONDecoder().decode([StepRecord].self, from: Data(text.utf8))) ?? []
    }

    public func transcript(id: String) async throws -> [TranscriptEntry] {
        guard let queue = try await locate(id) else { return [] }
        let reply = try await client.send(["LRANGE", keys.queue(queue).transcript(id), 0, Self.transcriptReadLimit - 1])
        return try reply.orThrow().texts.compactMap { TranscriptEntry.decode($0)?.checked() }
    }

    /// Entries read back at most (the byte cap keeps a transcript far below this).
    static let transcriptReadLimit = 50_000

    public func transcript(id: String, from: Int, limit: Int) async throws -> (entries: [TranscriptEntry], read: Int) {
        guard let queue = try await locate(id), from >= 0, from < Self.transcriptReadLimit, limit > 0 else { return ([], 0) }
        let reply = try await client.send(["LRANGE", keys.queue(queue).transcript(id), from, from + min(limit, Self.transcriptReadLimit - from) - 1])
        let texts = try reply.orThrow().texts
        return (texts.compactMap { TranscriptEntry.decode($0)?.checked() }, texts.count)
    }

    public func lastOutput(id: String, count: Int) async throws -> [OutputEvent] {
        guard let queue = try await locate(id), count > 0 else { return [] }
        return Self.decodeEntries(try await client.call("XREVRANGE", keys.queue(queue).output(id), "+", "-", "COUNT", count)).reversed()
    }
}
