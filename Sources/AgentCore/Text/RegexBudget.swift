import Dispatch
import Foundation

/// Regular expressions run against a clock. ICU backtracks: a pattern such as `(a+)+$` on a long run
/// of "a" would hold a thread for hours, and a job writes both its own approval patterns and the
/// commands they are matched against. One budget is shared by every match it runs; once spent,
/// a match gives up (nil) and so does every match after it. The clock is wall time, so a loaded
/// machine spends a budget sooner; whoever uses one fails closed.
public final class RegexBudget: @unchecked Sendable {
    // `@unchecked Sendable`: `left` is only touched while holding `lock`.
    private let lock = NSLock()
    private var left: UInt64

    /// Budgets past a day are a day (and a NaN or negative one is none).
    public init(seconds: Double) {
        let s = seconds.isNaN ? 0 : min(max(0, seconds), 86_400)
        left = UInt64(s * 1e9)
    }

    public var exhausted: Bool { lock.withLock { left == 0 } }

    /// Whether `text` holds a match; nil when the budget ran out first, or when ICU gave up on its
    /// own (a backtracking stack past its 8 MB cap, on a long text): never a false "no match".
    /// Either way the budget is spent.
    public func firstMatch(_ re: NSRegularExpression, in text: String) -> Bool? {
        let allowed = lock.withLock { left }
        if allowed == 0 { return nil }
        let start = DispatchTime.now().uptimeNanoseconds
        var found = false, outOfTime = false, failed = false
        // reportProgress calls the block now and then during a long match, which is where it stops;
        // reportCompletion calls it at the end, with internalError when ICU failed.
        re.enumerateMatches(in: text, options: [.reportProgress, .reportCompletion], range: NSRange(text.startIndex..., in: text)) {
            result, flags, stop in
            if result != nil {
                found = true
                stop.pointee = true
            } else if flags.contains(.internalError) {
                failed = true
            } else if DispatchTime.now().uptimeNanoseconds - start > allowed {
                outOfTime = true
                stop.pointee = true
            }
        }
        let spent = DispatchTime.now().uptimeNanoseconds - start
        // A match ICU abandoned spends the whole budget too: whoever holds it stops (and fails closed).
        lock.withLock { left = outOfTime || failed ? 0 : left - min(left, spent) }
        return found ? true : outOfTime || failed ? nil : false
    }
}

/// A bulk action's filter spent its whole budget: the action did nothing, rather than act on the
/// jobs matched so far.
public struct FilterTooSlow: Error, CustomStringConvertible {
    public let seconds: Double
    public init(seconds: Double = JobFilter.bulkRegexSeconds) { self.seconds = seconds }
    public var description: String {
        "the filter's regular expression took more than \(String(format: "%g", seconds)) s to match; nothing was changed (simplify the pattern)"
    }
}
