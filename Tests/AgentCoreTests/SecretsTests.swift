import AgentCore
import Testing

@Suite struct SecretsTests {
    static let key = "sk-unit-secret-5f4e3d2c1b0a"

    @Test func everyFormOfASecretIsMasked() {
        Secrets.register(Self.key)
        Secrets.register("p@ss/w\"rd-42")
        #expect(Secrets.redact("Authorization: Bearer \(Self.key)!") == "Authorization: Bearer [redacted]!")
        #expect(Secrets.redact(#"{"pw":"p@ss/w\"rd-42"}"#) == #"{"pw":"[redacted]"}"#)
        #expect(Secrets.redact("redis://:p%40ss%2Fw%22rd%2D42@h") == "redis://:[redacted]@h")
        #expect(Secrets.redact("nothing here") == "nothing here")
        #expect(JobFailure("the server said \(Self.key)", kind: .permanent).description == "the server said [redacted]")
    }

    @Test func shortValuesAreNotSecrets() {
        Secrets.register("ab")
        #expect(Secrets.redact("abc") == "abc")
    }

    /// However a stream cuts the text, no piece passed on holds the secret or a part of it.
    @Test func aSecretSplitAcrossPiecesIsMaskedWhole() {
        Secrets.register(Self.key)
        let text = "before \(Self.key) middle sk-unit not the key, \(Self.key)"
        for size in [1, 2, 3, 5, 7, 11, 40] {
            var r = StreamingRedactor()
            var out: [String] = []
            var i = text.startIndex
            while i < text.endIndex {
                let j = text.index(i, offsetBy: size, limitedBy: text.endIndex) ?? text.endIndex
                out.append(r.feed(String(text[i..<j])))
                i = j
            }
            out.append(r.finish())
            #expect(out.joined() == "before [redacted] middle sk-unit not the key, [redacted]", "pieces of \(size)")
            #expect(!out.contains { $0.contains("5f4e3d") })
        }
    }
}
