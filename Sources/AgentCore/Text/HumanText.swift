import Foundation

/// Numbers as people read them, shared by the CLI and the console.
public enum HumanText {
    /// "250ms", "42s", "3m05s", "2h10m", "4d3h"; "-" when unknown.
    public static func duration(_ seconds: Double?) -> String {
        guard let s = seconds, s.isFinite else { return "-" }
        if s < 0 { return "-" + duration(-s) }
        if s < 1 { return String(format: "%.0fms", s * 1000) }
        let t = Int(min(s, 1e15))  // a number from elsewhere may be absurd; Int(1e300) traps
        if t < 60 { return "\(t)s" }
        if t < 3600 { return String(format: "%dm%02ds", t / 60, t % 60) }
        if t < 86400 { return String(format: "%dh%02dm", t / 3600, (t % 3600) / 60) }
        return "\(t / 86400)d\((t % 86400) / 3600)h"
    }

    /// How long ago `date` was, as `duration` words it; "-" when unknown. A date in the future (a
    /// clock ahead of this one) is "0ms" ago, not a negative age.
    public static func age(_ date: Date?, now: Date) -> String {
        guard let date else { return "-" }
        return duration(max(0, now.timeIntervalSince(date)))
    }

    /// Text on one line (newlines as spaces), at most `max` characters; "-" when there is none.
    /// "512 B", "20.0 MB": bytes for a person (powers of 1024).
    public static func bytes(_ n: Int) -> String {
        if n < 1024 { return "\(n) B" }
        let units = ["KB", "MB", "GB", "TB"]
        var v = Double(n) / 1024, i = 0
        while v >= 1024, i < units.count - 1 { v /= 1024; i += 1 }
        return String(format: "%.1f", v) + " " + units[i]
    }

    public static func oneLine(_ s: String?, max: Int = 60) -> String {
        guard let s, !s.isEmpty else { return "-" }
        let flat = s.replacingOccurrences(of: "\n", with: " ")
        return flat.count > max ? String(flat.prefix(max - 1)) + "…" : flat
    }

    /// Jobs per minute over the last 60 s, from per-minute buckets (the current one partly elapsed).
    public static func perMinute(_ buckets: [Int], now: Date) -> Int {
        guard let current = buckets.last else { return 0 }
        let previous = buckets.count > 1 ? buckets[buckets.count - 2] : 0
        let elapsed = now.timeIntervalSince1970.truncatingRemainder(dividingBy: 60) / 60
        return current + Int((Double(previous) * (1 - elapsed)).rounded())
    }
}
