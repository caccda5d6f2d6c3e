import Foundation

/// A one-line failure for the person at the terminal; exits non-zero.
public struct CLIError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Writes a line to stderr without the Glibc global (not concurrency-safe in Swift 6).
public func printError(_ text: String) {
    try? FileHandle.standardError.write(contentsOf: Data((text + "\n").utf8))
}
