import Foundation

/// Failure text with the parts that differ between occurrences masked, so failures of one cause
/// group together: "step 2 exceeded its 10 s time limit" and "... 30 s ..." become one signature.
public enum ErrorSignature {
    public static func of(_ error: String?) -> String {
        guard let error, !error.isEmpty else { return "(no error)" }
        var text = String(error.split(separator: "\n").first ?? "").trimmingCharacters(in: .whitespaces)
        if text.count > 200 { text = String(text.prefix(200)) }
        let rules: [(String, String)] = [
            (#"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"#, "<id>"),
            (#"\b[0-9a-f]{12,}\b"#, "<id>"),
            (#"\"[^\"]*\""#, "\"…\""),
            (#"\b\d+(\.\d+)?\b"#, "#"),
        ]
        for (pattern, replacement) in rules {
            text = text.replacingOccurrences(of: pattern, with: replacement, options: .regularExpression)
        }
        return text
    }
}
