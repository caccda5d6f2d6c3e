import Foundation

public enum TestPaths {
    /// The checkout these tests run from (this file is Tests/TestServers/TestPaths.swift).
    public static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
}
