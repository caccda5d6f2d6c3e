/// Why a job was refused, naming the field and what was expected, e.g.
/// `steps[0].input.command: expected a string, got a number`.
public struct JobSpecError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var message: String

    public init(_ path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}
