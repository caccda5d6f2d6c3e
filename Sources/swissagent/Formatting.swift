import AgentCore
import Foundation

enum Format {
    static func duration(_ seconds: Double?) -> String { HumanText.duration(seconds) }

    static func age(_ date: Date?, now: Date = Date()) -> String {
        guard let date else { return "-" }
        return duration(max(0, now.timeIntervalSince(date)))
    }

    static func timestamp(_ date: Date?) -> String { WireModel.timestamp(date) ?? "-" }

    /// Left-aligned columns separated by two spaces; the last column is not padded.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        let all = [header] + rows
        var widths = Array(repeating: 0, count: header.count)
        for row in all { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
        return all.map { row in
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    static func oneLine(_ s: String?, max: Int = 60) -> String { HumanText.oneLine(s, max: max) }

    static func perMinute(_ buckets: [Int], now: Date = Date()) -> Int { HumanText.perMinute(buckets, now: now) }

    static func json(_ value: JSONValue) -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return (try? enc.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }
}

extension JSONValue {
    init(_ s: String?) { self = s.map { .string($0) } ?? .null }
    init(_ n: Int) { self = .number(Double(n)) }
    init(_ d: Date?) { self = d.map { .string(Format.timestamp($0)) } ?? .null }
}

/// Writes to stderr without the Glibc global (not concurrency-safe in Swift 6).
func printError(_ text: String) {
    Output.write(Data((text + "\n").utf8), to: .standardError)
}
