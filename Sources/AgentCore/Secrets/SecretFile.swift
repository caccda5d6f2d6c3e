import Foundation

/// A secret read from a file (a mounted Kubernetes Secret, a Docker secret) rather than the
/// environment, where every child process and crash dump would see it.
public enum SecretFile {
    /// The file's text without its trailing newline; a clear error when unreadable or empty.
    public static func read(_ path: String, what: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SecretFileError(description: "\(what): cannot read \(path)")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .newlines)
        guard !text.isEmpty else { throw SecretFileError(description: "\(what): \(path) is empty") }
        return text
    }
}

public struct SecretFileError: Error, CustomStringConvertible {
    public let description: String
}
