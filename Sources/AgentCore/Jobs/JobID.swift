import Foundation

/// Job ids sort by creation time: 12 hex digits of milliseconds, then 8 random hex digits.
public enum JobID {
    private static let hex = Array("0123456789abcdef".utf8)
    private static let random = FastRandom()

    public static func make(now: Date = Date()) -> String {
        let ms = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        let rand = random.next() & 0xffff_ffff
        var bytes = [UInt8](repeating: 0, count: 20)
        for i in 0..<12 { bytes[i] = hex[Int((ms >> UInt64(4 * (11 - i))) & 0xf)] }
        for i in 0..<8 { bytes[12 + i] = hex[Int((rand >> UInt64(4 * (7 - i))) & 0xf)] }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// SplitMix64 seeded once from the system generator: ids need spread, not secrecy, and the system
/// generator costs a syscall per call, which batch enqueue would pay per job.
/// `@unchecked Sendable`: `state` is only touched while holding `lock`.
final class FastRandom: @unchecked Sendable {
    private let lock = NSLock()
    private var state = UInt64.random(in: 0...UInt64.max)

    func next() -> UInt64 {
        lock.withLock {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
