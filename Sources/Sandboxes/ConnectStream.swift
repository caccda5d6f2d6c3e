import Foundation

/// Splits a Connect server-streaming body into its envelopes (1 flag byte, 4-byte big-endian
/// length, payload). Envelopes may span network chunks, so bytes are buffered until whole.
struct ConnectStream {
    struct Envelope {
        var endOfStream: Bool
        var payload: Data
    }

    private var buffer = Data()

    mutating func feed(_ data: Data) -> [Envelope] {
        buffer.append(data)
        var out: [Envelope] = []
        while buffer.count >= 5 {
            let bytes = [UInt8](buffer.prefix(5))
            let length = Int(bytes[1]) << 24 | Int(bytes[2]) << 16 | Int(bytes[3]) << 8 | Int(bytes[4])
            guard buffer.count >= 5 + length else { break }
            let start = buffer.startIndex
            out.append(Envelope(endOfStream: bytes[0] & 0x02 != 0, payload: buffer.subdata(in: (start + 5)..<(start + 5 + length))))
            buffer.removeSubrange(start..<(start + 5 + length))
        }
        return out
    }

    static func envelope(_ json: Data) -> Data {
        var d = Data([0])
        let n = UInt32(json.count).bigEndian
        withUnsafeBytes(of: n) { d.append(contentsOf: $0) }
        d.append(json)
        return d
    }
}
