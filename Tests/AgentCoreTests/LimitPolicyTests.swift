import AgentCore
import Testing

/// A worker's limits are caps: a step asks for less, or for more only up to the worker's maximum.
@Suite struct LimitPolicyTests {
    let defaults = ResourceLimits(wallSeconds: 300, cpuSeconds: 300, memoryMB: 256, processes: 128, outputBytes: 4 << 20, diskMB: 1024)

    @Test func aStepCannotLiftALimitThatIsAlsoTheCap() {
        let policy = LimitPolicy(defaults)
        let asked = StepLimits(memoryMB: 1_000_000, outputBytes: 1 << 40, cpuSeconds: 100_000_000, processes: 1 << 20, diskMB: 1 << 30)
        let l = policy.resolve(asked, timeout: 604_800)
        #expect(l.memoryMB == 256)
        #expect(l.outputBytes == 4 << 20)
        #expect(l.cpuSeconds == 300)
        #expect(l.processes == 128)
        #expect(l.diskMB == 1024)
        #expect(l.wallSeconds == 300)
    }

    @Test func aStepMayAskForLessOrForMoreUpToTheCap() {
        var caps = defaults
        caps.memoryMB = 2048
        caps.wallSeconds = 3600
        let policy = LimitPolicy(defaults: defaults, caps: caps)
        #expect(policy.resolve(StepLimits(memoryMB: 64), timeout: 5).memoryMB == 64)
        #expect(policy.resolve(StepLimits(memoryMB: 64), timeout: 5).wallSeconds == 5)
        #expect(policy.resolve(StepLimits(memoryMB: 1024), timeout: 1200).memoryMB == 1024)
        #expect(policy.resolve(StepLimits(memoryMB: 1024), timeout: 1200).wallSeconds == 1200)
        #expect(policy.resolve(StepLimits(memoryMB: 4096), timeout: 7200).memoryMB == 2048)
        #expect(policy.resolve(StepLimits(memoryMB: 4096), timeout: 7200).wallSeconds == 3600)
        #expect(policy.resolve(nil, timeout: nil) == policy.defaults)
    }

    @Test func noFileIsBiggerThanTheDiskLimit() {
        let policy = LimitPolicy(defaults)
        #expect(policy.resolve(StepLimits(diskMB: 10), timeout: nil).fileSizeMB == 10)
        #expect(policy.resolve(nil, timeout: nil).fileSizeMB == 1024)
    }

    @Test func aDefaultAboveItsCapComesDownToIt() {
        var caps = defaults
        caps.processes = 16
        #expect(LimitPolicy(defaults: defaults, caps: caps).defaults.processes == 16)
    }
}
