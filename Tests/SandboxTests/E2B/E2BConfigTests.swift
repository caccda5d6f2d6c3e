import Foundation
import Sandboxes
import Testing

@Suite struct E2BConfigTests {
    @Test func theKeyComesFromTheEnvironmentOrAFile() throws {
        #expect(try E2BConfig.fromEnvironment([:]) == nil)
        #expect(try E2BConfig.fromEnvironment(["E2B_API_KEY": "e2b_env"])?.apiKey == "e2b_env")
        let file = NSTemporaryDirectory() + "swissagent-e2b-key-\(UUID().uuidString.prefix(8))"
        try "e2b_file\n".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        #expect(try E2BConfig.fromEnvironment(["E2B_API_KEY_FILE": file])?.apiKey == "e2b_file")
        #expect(try E2BConfig.fromEnvironment(["E2B_API_KEY": "e2b_env", "E2B_API_KEY_FILE": file])?.apiKey == "e2b_env")
        // An optional Secret key left out: no file, no E2B, and the worker still starts.
        #expect(try E2BConfig.fromEnvironment(["E2B_API_KEY_FILE": "/nonexistent"]) == nil)
        let empty = file + "-empty"
        try "".write(toFile: empty, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        #expect(throws: (any Error).self) { try E2BConfig.fromEnvironment(["E2B_API_KEY_FILE": empty]) }
    }
}
