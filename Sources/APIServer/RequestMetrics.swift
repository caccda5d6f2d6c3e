import Synchronization

/// Counts and times the API's requests by route template (bounded label values), for /metrics.
final class RequestMetrics: Sendable {
    static let boundsSeconds = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

    private struct Key: Hashable { var method: String, route: String, status: Int }
    private struct Timing { var counts = [Int](repeating: 0, count: RequestMetrics.boundsSeconds.count + 1), sum = 0.0 }
    private struct State { var requests: [Key: Int] = [:], timings: [String: Timing] = [:] }
    private let state = Mutex(State())

    func record(method: String, route: String, status: Int, seconds: Double) {
        let bucket = Self.boundsSeconds.firstIndex { seconds <= $0 } ?? Self.boundsSeconds.count
        state.withLock { s in
            s.requests[Key(method: method, route: route, status: status), default: 0] += 1
            s.timings[route, default: Timing()].counts[bucket] += 1
            s.timings[route, default: Timing()].sum += seconds
        }
    }

    func write(to out: inout PrometheusText) {
        let (requests, timings) = state.withLock { ($0.requests, $0.timings) }
        out.family("swissagent_api_requests_total", "counter", "HTTP requests answered, by method, route and status.")
        for (k, n) in requests.sorted(by: { ($0.key.route, $0.key.method, $0.key.status) < ($1.key.route, $1.key.method, $1.key.status) }) {
            out.sample("swissagent_api_requests_total", [("method", k.method), ("route", k.route), ("status", String(k.status))], Double(n))
        }
        out.family("swissagent_api_request_duration_seconds", "histogram", "Time to answer a request (to the response head), by route.")
        for (route, t) in timings.sorted(by: { $0.key < $1.key }) {
            out.histogram("swissagent_api_request_duration_seconds", [("route", route)], bounds: Self.boundsSeconds, counts: t.counts, sum: t.sum)
        }
    }
}
