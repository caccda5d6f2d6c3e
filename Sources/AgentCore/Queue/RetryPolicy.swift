import Foundation

/// Exponential backoff with jitter: attempt n waits base * 2^(n-1), capped, scaled by a random
/// factor in [1 - jitter, 1] so failures from one cause do not retry in lockstep.
public struct RetryPolicy: Sendable, Equatable {
    public var base: Double
    public var cap: Double
    public var jitter: Double

    public init(base: Double = 5, cap: Double = 3600, jitter: Double = 0.5) {
        self.base = base
        self.cap = cap
        self.jitter = jitter
    }

    /// Seconds to wait before the attempt after `attempt` (1-based).
    public func delay(afterAttempt attempt: Int, random: Double = Double.random(in: 0...1)) -> Double {
        let exp = base * pow(2, Double(max(0, min(attempt - 1, 30))))
        let capped = min(exp, cap)
        return capped * (1 - jitter * random)
    }
}
