/// Prometheus' text exposition format (version 0.0.4): families with HELP and TYPE, then samples.
struct PrometheusText {
    private(set) var text = ""

    mutating func family(_ name: String, _ type: String, _ help: String) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }

    mutating func sample(_ name: String, _ labels: [(String, String)] = [], _ value: Double) {
        text += name
        if !labels.isEmpty {
            text += "{" + labels.map { "\($0.0)=\"\(Self.escape($0.1))\"" }.joined(separator: ",") + "}"
        }
        text += " " + Self.format(value) + "\n"
    }

    /// A histogram from per-bucket counts (not cumulative); `counts` has one more entry than `bounds` (+Inf).
    mutating func histogram(_ name: String, _ labels: [(String, String)], bounds: [Double], counts: [Int], sum: Double) {
        var cumulative = 0
        for (i, count) in counts.enumerated() {
            cumulative += count
            let le = i < bounds.count ? Self.format(bounds[i]) : "+Inf"
            sample(name + "_bucket", labels + [("le", le)], Double(cumulative))
        }
        sample(name + "_sum", labels, sum)
        sample(name + "_count", labels, Double(cumulative))
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }

    static func format(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
    }
}
