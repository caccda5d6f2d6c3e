import AgentCore
import Foundation

/// A job or a JSON array of jobs, as `submit` and the console's `:submit` read them: each checked
/// against the size limit and the parser, refused whole (with the failing item's place) if one is bad.
public enum JobBatch {
    /// Jobs one submission may hold.
    public static let maxJobs = 10_000

    public struct Invalid: Error, CustomStringConvertible, Equatable {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// `defaultQueue` goes to jobs that name none.
    public static func parse(_ data: Data, defaultQueue: String? = nil, parser: JobSpecParser = JobSpecParser()) throws(Invalid) -> [JobSpec] {
        let value: JSONValue
        do { value = try JSONValue.parse(data) } catch {
            // The parser words JSON errors with their place.
            do { _ = try parser.parse(data) } catch { throw Invalid(description: "invalid job: \(error)") }
            throw Invalid(description: "invalid job: not valid JSON")
        }
        let items = value.arrayValue ?? [value]
        if items.isEmpty { throw Invalid(description: "invalid job: the array holds no jobs") }
        guard items.count <= maxJobs else { throw Invalid(description: "invalid job: \(items.count) jobs, over the \(maxJobs)-job limit") }
        guard data.count <= parser.maxBytes * items.count else {
            throw Invalid(description: "invalid job: input is \(data.count) bytes, over the limit")
        }
        var specs: [JobSpec] = []
        for (i, item) in items.enumerated() {
            let place = items.count == 1 ? "invalid job" : "invalid job [\(i)]"
            if item.jsonString().utf8.count > parser.maxBytes {
                throw Invalid(description: "\(place): job is over the \(parser.maxBytes)-byte limit")
            }
            do {
                specs.append(try parser.parse(item, defaultQueue: defaultQueue))
            } catch {
                throw Invalid(description: "\(place): \(error)")
            }
        }
        return specs
    }
}
