import AgentCore
import Testing

@Suite struct RetryPolicyTests {
    @Test func backoffDoublesAndIsCapped() {
        let p = RetryPolicy(base: 5, cap: 60, jitter: 0.5)
        #expect(p.delay(afterAttempt: 1, random: 0) == 5)
        #expect(p.delay(afterAttempt: 2, random: 0) == 10)
        #expect(p.delay(afterAttempt: 3, random: 0) == 20)
        #expect(p.delay(afterAttempt: 10, random: 0) == 60)
        #expect(p.delay(afterAttempt: 1000, random: 0) == 60)
    }

    @Test func jitterSpreadsWithinBounds() {
        let p = RetryPolicy(base: 8, cap: 3600, jitter: 0.5)
        #expect(p.delay(afterAttempt: 1, random: 1) == 4)
        let samples = (0..<200).map { _ in p.delay(afterAttempt: 3) }
        #expect(samples.allSatisfy { $0 >= 16 && $0 <= 32 })
        #expect(Set(samples).count > 100)
    }

    @Test func jobIDsSortByTime() {
        let a = JobID.make(now: .init(timeIntervalSince1970: 1_700_000_000))
        let b = JobID.make(now: .init(timeIntervalSince1970: 1_700_000_001))
        #expect(a < b)
        #expect(a.count == 20)
    }
}
