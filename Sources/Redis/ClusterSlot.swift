/// Which of Redis Cluster's 16384 slots a key (or a command) belongs to: CRC16 (XMODEM) of the
/// key, or of its hash tag, the text between the first `{` and the next `}` when that is not empty.
enum ClusterSlot {
    static let count = 16384

    static func of(_ key: [UInt8]) -> Int {
        var hashed = key[...]
        if let open = key.firstIndex(of: UInt8(ascii: "{")),
           let close = key[(open + 1)...].firstIndex(of: UInt8(ascii: "}")), close > open + 1 {
            hashed = key[(open + 1)..<close]
        }
        var crc: UInt16 = 0
        for byte in hashed { crc = (crc << 8) ^ table[Int(UInt8(truncatingIfNeeded: crc >> 8) ^ byte)] }
        return Int(crc) % count
    }

    /// The key a command is routed by; nil when it has none (PING, SCRIPT LOAD, an EVALSHA of no keys).
    static func routingKey(_ command: [[UInt8]]) -> [UInt8]? {
        guard let name = command.first.map({ String(decoding: $0, as: UTF8.self).uppercased() }) else { return nil }
        switch name {
        case "EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL":
            guard command.count > 3, let n = Int(String(decoding: command[2], as: UTF8.self)), n > 0 else { return nil }
            return command[3]
        case "XREAD", "XREADGROUP":
            guard let i = command.firstIndex(where: { String(decoding: $0, as: UTF8.self).uppercased() == "STREAMS" }),
                  i + 1 < command.count else { return nil }
            return command[i + 1]
        case "PING", "SCRIPT", "INFO", "ROLE", "CLUSTER", "WAIT", "ASKING", "READONLY", "AUTH", "SELECT", "TIME", "DBSIZE",
             "SCAN", "PUBLISH", "HELLO", "CLIENT", "CONFIG", "FLUSHDB", "FLUSHALL", "SENTINEL", "MULTI", "EXEC":
            return nil
        default:
            return command.count > 1 ? command[1] : nil
        }
    }

    private static let table: [UInt16] = (0..<256).map { i in
        var crc = UInt16(i) << 8
        for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1 }
        return crc
    }
}
