import Foundation

/// Every Redis server this process has dialled or been told of: the URL's hosts, the master a
/// sentinel names, the replicas its `ROLE` lists, every node of a cluster's `CLUSTER SLOTS`.
/// Sandboxes read it before each networked step, so a step cannot reach a Redis node the URL does
/// not name (a cluster node past the seeds, a master after a failover).
/// Only servers fill it, never a job. `limit` bounds it against a server gone wrong (Redis Cluster
/// itself stops at about 1000 nodes). It grows at each connect and each CLUSTER SLOTS, not between
/// them: a replica added to a Sentinel master is on record from the worker's next connect.
public enum RedisHostsSeen {
    public static let limit = 4096

    private final class Record: @unchecked Sendable {
        // `@unchecked Sendable`: both `var`s are only touched while holding `lock`.
        let lock = NSLock()
        /// Each endpoint and when it was last seen (a counter).
        var endpoints: [HostPort: UInt64] = [:]
        var tick: UInt64 = 0
    }

    private static let record = Record()

    static func saw(_ endpoint: HostPort) {
        guard !endpoint.host.isEmpty else { return }
        record.lock.withLock {
            record.tick += 1
            record.endpoints[endpoint] = record.tick
            // Full: the one seen longest ago goes; whatever is in use is seen again at each connect.
            if record.endpoints.count > limit, let oldest = record.endpoints.min(by: { $0.value < $1.value })?.key {
                record.endpoints[oldest] = nil
            }
        }
    }

    static func saw(_ endpoints: some Sequence<HostPort>) {
        for e in endpoints { saw(e) }
    }

    /// Host and port of each server seen, for diagnostics and tests.
    public static var endpoints: Set<HostPort> { record.lock.withLock { Set(record.endpoints.keys) } }

    /// Each host seen once, sorted: what a sandbox fences off.
    public static var hosts: [String] { Set(endpoints.map(\.host)).sorted() }
}
