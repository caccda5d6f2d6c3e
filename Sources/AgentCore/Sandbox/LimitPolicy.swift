/// What a worker allows a step: the limits of a step that asks for nothing, and caps no step can
/// lift. A step may ask for less than the default, or for more up to the cap; never beyond it.
public struct LimitPolicy: Sendable, Equatable {
    public var defaults: ResourceLimits
    public var caps: ResourceLimits

    /// Caps below a default bring the default down to them.
    public init(defaults: ResourceLimits, caps: ResourceLimits) {
        self.caps = caps
        self.defaults = Self.clamp(defaults, to: caps)
    }

    /// Defaults that are also the caps: a step may only ask for less.
    public init(_ limits: ResourceLimits) {
        self.init(defaults: limits, caps: limits)
    }

    /// The limits a step runs under: what it asks for (or the default), within the caps.
    public func resolve(_ step: StepLimits?, timeout: Double?) -> ResourceLimits {
        var asked = defaults
        if let timeout { asked.wallSeconds = timeout }
        if let step {
            if let v = step.memoryMB { asked.memoryMB = v }
            if let v = step.outputBytes { asked.outputBytes = v }
            if let v = step.cpuSeconds { asked.cpuSeconds = v }
            if let v = step.processes { asked.processes = v }
            if let v = step.diskMB { asked.diskMB = v }
        }
        return Self.clamp(asked, to: caps)
    }

    static func clamp(_ l: ResourceLimits, to caps: ResourceLimits) -> ResourceLimits {
        var r = l
        r.wallSeconds = min(l.wallSeconds, caps.wallSeconds)
        r.outputBytes = min(l.outputBytes, caps.outputBytes)
        r.cpuSeconds = capped(l.cpuSeconds, caps.cpuSeconds)
        r.memoryMB = capped(l.memoryMB, caps.memoryMB)
        r.processes = capped(l.processes, caps.processes)
        r.fileSizeMB = capped(l.fileSizeMB, caps.fileSizeMB)
        r.diskMB = capped(l.diskMB, caps.diskMB)
        // One file can never be bigger than the disk it is counted against.
        if let disk = r.diskMB { r.fileSizeMB = min(r.fileSizeMB ?? disk, disk) }
        return r
    }

    /// nil is "no limit": no cap leaves the value as asked, no value takes the cap.
    private static func capped(_ value: Int?, _ cap: Int?) -> Int? {
        guard let cap else { return value }
        return min(value ?? cap, cap)
    }
}
