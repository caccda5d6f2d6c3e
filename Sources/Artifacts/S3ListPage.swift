import AgentCore
import Foundation

/// One page of a ListObjectsV2 answer, read with a few string searches: the elements needed are
/// flat and few, and Foundation's XML parser is not on every Linux.
struct S3ListPage {
    struct Object {
        var key: String
        var size: Int
        var modified: Date?
    }

    var objects: [Object] = []
    var nextToken: String?

    init(xml: Data) throws {
        let text = String(decoding: xml, as: UTF8.self)
        guard text.contains("<ListBucketResult") else {
            throw ArtifactStoreError("the store's listing is not a ListBucketResult", retryable: false)
        }
        var rest = text[...]
        while let open = rest.range(of: "<Contents>"), let close = rest.range(of: "</Contents>", range: open.upperBound..<rest.endIndex) {
            let body = String(rest[open.upperBound..<close.lowerBound])
            if let key = Self.element("Key", in: body), let size = Self.element("Size", in: body).flatMap(Int.init), size >= 0 {
                objects.append(Object(key: key, size: size, modified: Self.element("LastModified", in: body).flatMap(Self.date)))
            }
            rest = rest[close.upperBound...]
        }
        if Self.element("IsTruncated", in: text) == "true" {
            guard let token = Self.element("NextContinuationToken", in: text), !token.isEmpty else {
                throw ArtifactStoreError("the store's listing is cut short without saying where it goes on", retryable: false)
            }
            nextToken = token
        }
    }

    /// The text of the first `<name>` element, entities decoded.
    static func element(_ name: String, in text: String) -> String? {
        guard let open = text.range(of: "<\(name)>"), let close = text.range(of: "</\(name)>", range: open.upperBound..<text.endIndex) else {
            return nil
        }
        return unescape(String(text[open.upperBound..<close.lowerBound]))
    }

    static func unescape(_ s: String) -> String {
        guard s.contains("&") else { return s }
        return s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&#13;", with: "\r").replacingOccurrences(of: "&amp;", with: "&")
    }

    static func date(_ s: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: s) ?? ISO8601DateFormatter().date(from: s)
    }
}
