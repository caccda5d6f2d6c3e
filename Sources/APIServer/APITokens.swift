
import Foundation

/// Bearer tokens mapped to tenants. Files hold SHA-256 digests, never tokens; comparisons take the
/// same time whatever matches, and tokens never reach a log.
public struct APITokens: Sendable {
    public struct Grant: Sendable, Equatable {
        public var tenant: String
        public var admin: Bool
    }

    private var byDigest: [[UInt8]: Grant]

    public init(digests: [[UInt8]: Grant]) { byDigest = digests }

    /// `SWISSAGENT_API_TOKENS=token=tenant,token2=tenant2` (development): the tokens themselves.
    public static func fromEnvironmentList(_ list: String) -> APITokens {
        var d: [[UInt8]: Grant] = [:]
        for pair in list.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0) }
            guard parts.count == 2 else { continue }
            let admin = parts[1].hasSuffix(":admin")
            d[SHA256.hash(Array(parts[0].utf8))] = Grant(tenant: admin ? String(parts[1].dropLast(6)) : parts[1], admin: admin)
        }
        return APITokens(digests: d)
    }

    /// `--tokens-file`: one line per token: its SHA-256 in hex, the tenant, optionally `admin`.
    public static func fromFile(_ text: String) throws -> APITokens {
        var d: [[UInt8]: Grant] = [:]
        for (n, line) in text.split(separator: "\n").enumerated() {
            let words = line.split(separator: " ").map(String.init)
            if words.isEmpty || words[0].hasPrefix("#") { continue }
            guard words.count >= 2, words[0].count == 64, let digest = hexBytes(words[0]) else {
                throw APIConfigError("tokens file line \(n + 1): expected \"<sha256 hex> <tenant> [admin]\"")
            }
            d[digest] = Grant(tenant: words[1], admin: words.count > 2 && words[2] == "admin")
        }
        return APITokens(digests: d)
    }

    /// The grant for an `Authorization: Bearer <token>` header, if any.
    public func grant(for header: String?) -> Grant? {
        guard let header, header.hasPrefix("Bearer ") else { return nil }
        let digest = SHA256.hash(Array(header.dropFirst(7).utf8))
        var found: Grant?
        // Look at every entry, comparing every byte, so timing says nothing about near misses.
        for (candidate, grant) in byDigest where Self.constantTimeEqual(candidate, digest) { found = grant }
        return found
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in a.indices { diff |= a[i] ^ b[i] }
        return diff == 0
    }

    static func hexBytes(_ s: String) -> [UInt8]? {
        var out: [UInt8] = []
        var chars = Array(s.utf8)[...]
        while chars.count >= 2 {
            guard let b = UInt8(String(decoding: chars.prefix(2), as: UTF8.self), radix: 16) else { return nil }
            out.append(b)
            chars = chars.dropFirst(2)
        }
        return out
    }
}

public struct APIConfigError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
