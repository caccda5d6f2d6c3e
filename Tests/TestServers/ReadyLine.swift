import Foundation

/// The test servers bind port 0 and print "ready PORT": the kernel picks a free port, so no test
/// server can collide with another one or with an outgoing connection's ephemeral port.
public func readyPort(from output: FileHandle, server: String) throws -> Int {
    // Read to the end of the line: an unbuffered Python writes "ready", " " and the port separately.
    var bytes = Data()
    while !bytes.contains(UInt8(ascii: "\n")) {
        let chunk = output.availableData
        if chunk.isEmpty { break }
        bytes.append(chunk)
    }
    let line = String(decoding: bytes, as: UTF8.self)
    guard let last = line.split(separator: " ").last,
          let port = Int(last.trimmingCharacters(in: .whitespacesAndNewlines)) else {
        throw TestServerError("the \(server) did not start: \(line.isEmpty ? "no output" : line)")
    }
    return port
}
