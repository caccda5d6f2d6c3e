import AgentCore

import Foundation

/// Bearer tokens mapped to tenants. Files hold SHA-256 digests, never tokens; comparisons take the
/// same time whatever matches, and tokens never reach a log.
public struct APITokens: Sendable {
    public struct Grant: Sendable, Equatable {
        public var tenant: String
        public var admin: Bool
        /// The queues this token may use; nil: the server's default queues. An admin may use any.
        public var queues: [String]?

        public init(tenant: String, admin: Bool, queues: [String]? = nil) {
            self.tenant = tenant
            self.admin = admin
            self.queues = queues
        }
    }

    private var byDigest: [[UInt8]: Grant]

    public init(digests: [[UInt8]: Grant]) { byDigest = digests }

    /// `SWISSAGENT_API_TOKENS=token=tenant,token2=tenant2:admin,token3=tenant3/queue1+queue2` (development):
    /// the tokens themselves.
    public static func fromEnvironmentList(_ list: String) throws -> APITokens {
        var d: [[UInt8]: Grant] = [:]
        for (n, pair) in list.split(separator: ",").enumerated() {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0) }
            guard parts.count == 2, !parts[0].isEmpty else {
                throw APIConfigError("SWISSAGENT_API_TOKENS entry \(n + 1): expected token=tenant[:admin][/queue+queue]")
            }
            var grant = parts[1]
            var queues: [String]?
            if let slash = grant.firstIndex(of: "/") {
                queues = grant[grant.index(after: slash)...].split(separator: "+").map(String.init)
                grant = String(grant[..<slash])
            }
            let admin = grant.hasSuffix(":admin")
            let tenant = admin ? String(grant.dropLast(6)) : grant
            Secrets.register(parts[0])
            d[SHA256.hash(Array(parts[0].utf8))] = try checked(Grant(tenant: tenant, admin: admin, queues: queues),
                                                               where: "SWISSAGENT_API_TOKENS entry \(n + 1)")
        }
        return APITokens(digests: d)
    }

    /// `--tokens-file`: one line per token: its SHA-256 in hex, the tenant, then optionally `admin`
    /// and `queues=q1,q2`.
    public static func fromFile(_ text: String) throws -> APITokens {
        var d: [[UInt8]: Grant] = [:]
        for (n, line) in text.split(separator: "\n").enumerated() {
            let words = line.split(separator: " ").map(String.init)
            if words.isEmpty || words[0].hasPrefix("#") { continue }
            guard words.count >= 2, words[0].count == 64, let digest = hexBytes(words[0]) else {
                throw APIConfigError("tokens file line \(n + 1): expected \"<sha256 hex> <tenant> [admin] [queues=q1,q2]\"")
            }
            var grant = Grant(tenant: words[1], admin: false)
            for word in words.dropFirst(2) {
                if word == "admin" {
                    grant.admin = true
                } else if word.hasPrefix("queues=") {
                    grant.queues = word.dropFirst(7).split(separator: ",").map(String.init)
                } else {
                    throw APIConfigError("tokens file line \(n + 1): unknown word \"\(word.prefix(40))\" (expected admin or queues=q1,q2)")
                }
            }
            d[digest] = try checked(grant, where: "tokens file line \(n + 1)")
        }
        return APITokens(digests: d)
    }

    /// Tenant names scope job ids ("tenant:id"), so they may not hold the separator.
    static func checked(_ grant: Grant, where place: String) throws -> Grant {
        guard JobSpecParser.isValidName(grant.tenant), !grant.tenant.contains(":"), grant.tenant.count <= 64 else {
            throw APIConfigError("\(place): tenant \"\(grant.tenant.prefix(40))\" must be 1-64 letters, digits or - _ . @")
        }
        for q in grant.queues ?? [] where !JobSpecParser.isValidName(q) {
            throw APIConfigError("\(place): queue \"\(q.prefix(40))\": \(JobSpecParser.nameRule)")
        }
        if grant.queues?.isEmpty == true { throw APIConfigError("\(place): queues= names no queue") }
        return grant
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
