import Foundation
import Logging

/// One JSON object per line on stderr, for log collectors (`--log-format json`).
struct JSONLogHandler: LogHandler {
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    let label: String

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields: [String: JSONValue] = [
            "ts": .string(Format.timestamp(Date())), "level": .string(event.level.rawValue), "msg": .string(event.message.description),
            "logger": .string(label),
        ]
        for (k, v) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { _, new in new }) { fields[k] = .string("\(v)") }
        Output.write(Data(JSONWriter.write(.object(fields)) + [0x0A]), to: .standardError)
    }
}

enum LogFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json

    /// Sets up swift-log once for the process.
    func bootstrap(level: Logger.Level = .info) {
        switch self {
        case .text:
            LoggingSystem.bootstrap { label in
                var h = StreamLogHandler.standardError(label: label)
                h.logLevel = level
                return h
            }
        case .json:
            LoggingSystem.bootstrap { label in
                var h = JSONLogHandler(label: label)
                h.logLevel = level
                return h
            }
        }
    }
}

import AgentCore
import ArgumentParser
