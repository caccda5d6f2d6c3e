import AgentCore
import ArgumentParser
import Foundation
import Logging

/// Every log line on stderr, as text (laid out as swift-log's stream handler does) or as one JSON
/// object per line (`--log-format json`, for log collectors). A log line carries text from outside
/// (a model server's error, a person's deny reason, a job's output): its secrets are masked, and
/// its control characters shown as escapes (text) or escaped, C1 as well as C0 (JSON), so `cat` or
/// `tail -f` of the log runs no escape sequence that retitles the terminal or writes the clipboard.
struct SafeLogHandler: LogHandler {
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    let label: String
    let format: LogFormat

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:], uniquingKeysWith: { _, new in new })
        let line: String
        switch format {
        case .text:
            let pairs = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            let text = "\(Format.timestamp(Date())) \(event.level) \(label) :\(pairs.isEmpty ? "" : " " + pairs) \(event.message)"
            line = TerminalText.visible(Secrets.redact(text), lines: false)
        case .json:
            var fields: [String: JSONValue] = [
                "ts": .string(Format.timestamp(Date())), "level": .string(event.level.rawValue), "msg": .string(event.message.description),
                "logger": .string(label),
            ]
            for (k, v) in all { fields[k] = .string("\(v)") }
            line = TerminalText.json(Secrets.redact(String(decoding: JSONWriter.write(.object(fields)), as: UTF8.self)))
        }
        Output.write(Data((line + "\n").utf8), to: .standardError)
    }
}

enum LogFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json

    /// Sets up swift-log once for the process.
    func bootstrap(level: Logger.Level = .info) {
        LoggingSystem.bootstrap { label in
            var h = SafeLogHandler(label: label, format: self)
            h.logLevel = level
            return h
        }
    }
}
