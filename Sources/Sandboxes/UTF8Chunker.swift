/// Turns a byte stream into text without splitting a UTF-8 character across two chunks.
struct UTF8Chunker {
    private var carry: [UInt8] = []

    mutating func text(_ bytes: [UInt8]) -> String {
        var all = carry + bytes
        carry = []
        // Hold back an incomplete sequence at the end (at most 3 bytes).
        var cut = all.count
        var back = 0
        while back < 3, cut > 0, all[cut - 1] & 0xC0 == 0x80 { cut -= 1; back += 1 }
        if cut > 0 {
            let lead = all[cut - 1]
            let need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
            if need > 1, all.count - (cut - 1) < need {
                carry = Array(all[(cut - 1)...])
                all.removeSubrange((cut - 1)...)
            }
        }
        return String(decoding: all, as: UTF8.self)
    }

    mutating func flush() -> String {
        defer { carry = [] }
        return carry.isEmpty ? "" : String(decoding: carry, as: UTF8.self)
    }
}
