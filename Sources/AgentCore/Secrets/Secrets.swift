import Foundation

/// Every secret this process holds (model keys, the E2B key, Redis and Sentinel passwords, API
/// tokens), registered where it is read, and the one function that takes them out of text that came
/// from outside: a server that quotes a request back ("Authorization: Bearer sk-...") in an error
/// body, a stream event or a reply. Errors are scrubbed as a `JobFailure` is made, model replies as
/// the client returns them, and every log line as it is written, so a secret reaches no record, log,
/// screen or sandbox.
public enum Secrets {
    /// What a secret is replaced with.
    public static let mask = "[redacted]"
    /// Shorter values are not treated as secrets: masking every "ab" would garble all text, and
    /// such a value is no secret anyway.
    public static let minimumLength = 4

    private static let registry = SecretRegistry()

    /// Remembers `secret` (and the forms a server may quote it in) for `redact`.
    public static func register(_ secret: String?) {
        guard let secret, secret.utf8.count >= minimumLength else { return }
        registry.add(secret)
    }

    /// `text` with every registered secret replaced by `mask`.
    public static func redact(_ text: String) -> String {
        let all = registry.all
        guard !all.isEmpty else { return text }
        var out = text
        for s in all where out.contains(s) { out = out.replacingOccurrences(of: s, with: mask) }
        return out
    }

    /// The registered forms, longest first (for the streaming scrubber).
    static var forms: [String] { registry.all }
}

/// `@unchecked Sendable`: `secrets` is only touched while holding `lock`.
final class SecretRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var secrets: [String] = []

    func add(_ secret: String) {
        // A server may quote a secret as JSON (escaped) or in a URL (percent-encoded).
        var forms = [secret]
        let json = String(decoding: JSONWriter.write(.string(secret)), as: UTF8.self).dropFirst().dropLast()
        if json != secret { forms.append(String(json)) }
        if let encoded = secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics), encoded != secret { forms.append(encoded) }
        lock.withLock {
            for f in forms where !secrets.contains(f) { secrets.append(f) }
            secrets.sort { $0.count > $1.count }
        }
    }

    var all: [String] { lock.withLock { secrets } }
}

/// Scrubs text that arrives in pieces (a streamed reply), where a secret may be split between two
/// pieces: the end of what came so far is held back while it could still be the start of a
/// secret, and let go once it cannot (or the stream ends).
public struct StreamingRedactor: Sendable {
    private var held = ""

    public init() {}

    /// The part of everything fed so far that is safe to pass on now.
    public mutating func feed(_ piece: String) -> String {
        let forms = Secrets.forms
        guard !forms.isEmpty else { return piece }
        let text = Secrets.redact(held + piece)
        // The longest tail of `text` that begins some secret stays behind.
        var keep = 0
        for form in forms {
            var n = min(form.count - 1, text.count)
            while n > keep {
                if text.hasSuffix(form.prefix(n)) { keep = n; break }
                n -= 1
            }
        }
        held = String(text.suffix(keep))
        return String(text.dropLast(keep))
    }

    /// What was held back, once the stream has ended.
    public mutating func finish() -> String {
        defer { held = "" }
        return Secrets.redact(held)
    }
}
