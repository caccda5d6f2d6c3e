/// A small, fast JSON writer: sorted object keys, no whitespace, `/` unescaped. Foundation's
/// JSONEncoder costs tens of microseconds per job, which caps batch enqueue; this costs a few.
public enum JSONWriter {
    public static func write(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(value, into: &out)
        return out
    }

    public static func write(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .null: out += "null".utf8
        case .bool(let b): out += (b ? "true" : "false").utf8
        case .number(let n): writeNumber(n, into: &out)
        case .string(let s): writeString(s, into: &out)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for (i, v) in a.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(v, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            out.append(UInt8(ascii: "{"))
            for (i, k) in o.keys.sorted().enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeString(k, into: &out)
                out.append(UInt8(ascii: ":"))
                if let v = o[k] { write(v, into: &out) }
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    public static func writeNumber(_ n: Double, into out: inout [UInt8]) {
        guard n.isFinite else { out += "null".utf8; return }
        if n == n.rounded(), abs(n) < 1e15 { out += String(Int64(n)).utf8 } else { out += "\(n)".utf8 }
    }

    public static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += #"\""#.utf8
            case UInt8(ascii: "\\"): out += #"\\"#.utf8
            case UInt8(ascii: "\n"): out += #"\n"#.utf8
            case UInt8(ascii: "\r"): out += #"\r"#.utf8
            case UInt8(ascii: "\t"): out += #"\t"#.utf8
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out += #"\u00"#.utf8
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0xf)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

/// Writes one JSON object field by field; callers add fields in sorted key order.
struct ObjectWriter {
    private var out: [UInt8]
    private var first = true

    init(out: [UInt8]) {
        self.out = out
        self.out.append(UInt8(ascii: "{"))
    }

    mutating func field(_ key: String, _ value: (inout [UInt8]) -> Void) {
        if !first { out.append(UInt8(ascii: ",")) }
        first = false
        JSONWriter.writeString(key, into: &out)
        out.append(UInt8(ascii: ":"))
        value(&out)
    }

    mutating func finish() -> [UInt8] {
        out.append(UInt8(ascii: "}"))
        return out
    }
}
