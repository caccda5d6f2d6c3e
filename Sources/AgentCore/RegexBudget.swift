import Dispatch
import Foundation

/// Regular expressions run against a clock. ICU backtracks: a pattern such as `(a+)+$` on a long run
/// of "a" would hold a thread for hours, and a job writes both its own approval patterns and the
/// commands they are matched against. One budget is shared by every match it runs; once spent,
/// a match gives up (nil) and so does every match after it.
public final class RegexBudget: @unchecked Sendable {
    // `@unchecked Sendable`: `left` is only touched while holding `lock`.
    private let lock = NSLock()
    private var left: UInt64

    public init(seconds: Double) { left = UInt64(max(0, seconds) * 1e9) }

    public var exhausted: Bool { lock.withLock { left == 0 } }

    /// Whether `text` holds a match; nil when the budget ran out first.
    public func firstMatch(_ re: NSRegularExpression, in text: String) -> Bool? {
        let allowed = lock.withLock { left }
        if allowed == 0 { return nil }
        let start = DispatchTime.now().uptimeNanoseconds
        var found = false, gaveUp = false
        // reportProgress calls the block now and then during a long match, which is where it stops.
        re.enumerateMatches(in: text, options: [.reportProgress], range: NSRange(text.startIndex..., in: text)) { result, _, stop in
            if result != nil {
                found = true
                stop.pointee = true
            } else if DispatchTime.now().uptimeNanoseconds - start > allowed {
                gaveUp = true
                stop.pointee = true
            }
        }
        let spent = DispatchTime.now().uptimeNanoseconds - start
        lock.withLock { left = gaveUp ? 0 : left - min(left, spent) }
        return found ? true : gaveUp ? nil : false
    }
}
