import Foundation

/// The soft limit on open descriptors starts at 1,024 on many systems while the hard limit is far
/// higher: a server raises it to the hard limit (capped) before it serves.
enum DescriptorLimit {
    /// Raises the soft limit as far as allowed and returns it.
    static func raise(cap: UInt = 1 << 20) -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        let want = min(limit.rlim_max, rlim_t(cap))
        if limit.rlim_cur < want {
            var raised = limit
            raised.rlim_cur = want
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return Int(min(limit.rlim_cur, rlim_t(Int32.max)))
    }
}
