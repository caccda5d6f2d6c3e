import CDigest

/// SHA-256 of bytes, as lower-case hex: a file's name in the store.
enum ContentDigest {
    static func sha256(_ bytes: [UInt8]) -> String {
        var out = [UInt8](repeating: 0, count: 32)
        bytes.withUnsafeBytes { data in
            out.withUnsafeMutableBufferPointer { digest in
                cdigest_sha256(data.baseAddress, data.count, digest.baseAddress)
            }
        }
        return out.map { String(format: "%02x", $0) }.joined()
    }
}
