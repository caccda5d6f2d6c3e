import Foundation

/// Redis Cluster behind one client: the slot map from `CLUSTER SLOTS`, one connection per master,
/// each command sent to the master of its key's slot. A pipeline is split by master (each part
/// still one round trip) and its replies put back in order. `MOVED` updates the map and sends the
/// command on; `ASK` sends it once with `ASKING` (a slot being moved); `TRYAGAIN` and `CLUSTERDOWN`
/// (a failover under way) wait a moment and try again.
/// Not thread-safe: `RedisClient` confines it to its serial queue, as it does a connection.
final class ClusterRouter {
    private let config: RedisConfig
    private let seeds: [HostPort]
    /// Slot -> index into `masters`, -1 where no master serves it.
    private var owner = [Int](repeating: -1, count: ClusterSlot.count)
    private(set) var masters: [HostPort] = []
    private var connections: [HostPort: RedisConnection] = [:]
    /// The map must be read again before the next command (a redirect, a node gone).
    private var stale = true

    static let maxRedirects = 5

    init(config: RedisConfig, seeds: [HostPort]) {
        self.config = config
        self.seeds = seeds
    }

    func run(_ commands: [[[UInt8]]], timeout: Double?) throws(RedisError) -> [RedisReply] {
        if stale { try refresh() }
        var replies = [RedisReply](repeating: .null, count: commands.count)
        var sentTo = [HostPort?](repeating: nil, count: commands.count)
        var order: [HostPort] = []
        var groups: [HostPort: [Int]] = [:]
        for (i, command) in commands.enumerated() {
            if Self.isScriptCommand(command) {
                replies[i] = try broadcast(command, timeout: timeout)
                continue
            }
            let node = try self.node(for: command)
            if groups[node] == nil { order.append(node) }
            groups[node, default: []].append(i)
        }
        for node in order {
            let indices = groups[node] ?? []
            let got = try send(indices.map { commands[$0] }, to: node, timeout: timeout)
            for (i, reply) in zip(indices, got) {
                replies[i] = reply
                sentTo[i] = node
            }
        }
        for i in replies.indices {
            if let node = sentTo[i], Redirect(replies[i], askedOf: node) != nil {
                replies[i] = try follow(commands[i], from: replies[i], sentTo: node, timeout: timeout)
            }
        }
        return replies
    }

    /// Sends commands to one named master (SCAN walks each master's keys).
    func run(_ commands: [[[UInt8]]], on node: HostPort, timeout: Double?) throws(RedisError) -> [RedisReply] {
        try send(commands, to: node, timeout: timeout)
    }

    func dropConnections() {
        connections = [:]
        stale = true
    }

    func mastersNow() throws(RedisError) -> [HostPort] {
        if stale { try refresh() }
        return masters
    }

    private func node(for command: [[UInt8]]) throws(RedisError) -> HostPort {
        guard let key = ClusterSlot.routingKey(command) else {
            guard let any = masters.first else { throw RedisError.unreachable(seedList, "the cluster has no master") }
            return any
        }
        let slot = ClusterSlot.of(key)
        let index = owner[slot]
        guard index >= 0, index < masters.count else {
            stale = true
            throw RedisError.unreachable(seedList, "no master serves slot \(slot) (CLUSTERDOWN); the cluster may be failing over")
        }
        return masters[index]
    }

    /// Each master keeps its own script cache, so a script is loaded on every one.
    private func broadcast(_ command: [[UInt8]], timeout: Double?) throws(RedisError) -> RedisReply {
        var first: RedisReply?
        for node in masters {
            let reply = try send([command], to: node, timeout: timeout)[0]
            if first == nil || reply.isError { first = reply }
        }
        return first ?? .error("CLUSTERDOWN the cluster has no master")
    }

    private func follow(_ command: [[UInt8]], from reply: RedisReply, sentTo: HostPort, timeout: Double?) throws(RedisError) -> RedisReply {
        var reply = reply
        var asked = sentTo
        for attempt in 0..<Self.maxRedirects {
            guard let redirect = Redirect(reply, askedOf: asked) else { return reply }
            switch redirect {
            case .moved(let slot, let node):
                place(slot, at: node)
                stale = true
                asked = node
                reply = try send([command], to: node, timeout: timeout)[0]
            case .ask(_, let node):
                asked = node
                reply = try send([[Array("ASKING".utf8)], command], to: node, timeout: timeout)[1]
            case .retryLater:
                Thread.sleep(forTimeInterval: 0.05 * Double(attempt + 1))
                try refresh()
                asked = try node(for: command)
                reply = try send([command], to: asked, timeout: timeout)[0]
            }
        }
        return reply
    }

    private func place(_ slot: Int, at node: HostPort) {
        guard (0..<ClusterSlot.count).contains(slot) else { return }
        if let i = masters.firstIndex(of: node) {
            owner[slot] = i
        } else {
            masters.append(node)
            owner[slot] = masters.count - 1
        }
    }

    private func send(_ commands: [[[UInt8]]], to node: HostPort, timeout: Double?) throws(RedisError) -> [RedisReply] {
        let conn: RedisConnection
        if let open = connections[node] {
            conn = open
        } else {
            do throws(RedisError) {
                conn = try RedisConnection(config.direct(node))
            } catch {
                stale = true
                throw error
            }
            connections[node] = conn
        }
        do throws(RedisError) {
            return try conn.exchange(commands, config: config, timeout: timeout)
        } catch {
            // A connection is dead after any error; the node may be too, so the map is read again.
            connections[node] = nil
            if error.isConnectionError { stale = true }
            throw error
        }
    }

    /// Reads the slot map from the first node that answers: known masters first, then the seeds.
    func refresh() throws(RedisError) {
        var reasons: [String] = []
        var tried: Set<HostPort> = []
        for node in masters + seeds where tried.insert(node).inserted {
            do throws(RedisError) {
                let reply = try send([["CLUSTER", "SLOTS"].map { Array($0.utf8) }], to: node, timeout: nil)[0]
                guard let ranges = reply.array, !ranges.isEmpty else {
                    reasons.append("\(node): \(reply.isError ? "\(reply)" : "serves no slots")")
                    continue
                }
                apply(ranges, askedOf: node)
                stale = false
                return
            } catch {
                reasons.append("\(node): \(error)")
            }
        }
        throw RedisError.unreachable(seedList, "no cluster node answered CLUSTER SLOTS: " + reasons.joined(separator: "; "))
    }

    /// `CLUSTER SLOTS`: [[first slot, last slot, [host, port, id], replicas...], ...]. An empty host
    /// means the node that was asked. Every node listed, replicas too, goes on record for sandboxes to fence off.
    func apply(_ ranges: [RedisReply], askedOf asked: HostPort) {
        func endpoint(_ reply: RedisReply) -> HostPort? {
            guard let f = reply.array, f.count >= 2 else { return nil }
            return HostPort(reply: f[0].text.flatMap { $0.isEmpty || $0 == "?" ? nil : $0 } ?? asked.host, port: f[1])
        }
        var newOwner = [Int](repeating: -1, count: ClusterSlot.count)
        var newMasters: [HostPort] = []
        for range in ranges {
            guard let parts = range.array, parts.count >= 3, let first = parts[0].int, let last = parts[1].int,
                  first >= 0, last < ClusterSlot.count, first <= last, let node = endpoint(parts[2])
            else { continue }
            RedisHostsSeen.saw(parts[2...].compactMap(endpoint))
            let index = newMasters.firstIndex(of: node) ?? { newMasters.append(node); return newMasters.count - 1 }()
            for slot in first...last { newOwner[slot] = index }
        }
        owner = newOwner
        masters = newMasters
        for node in connections.keys where !newMasters.contains(node) { connections[node] = nil }
    }

    private var seedList: String { "cluster " + seeds.map(\.description).joined(separator: ",") }

    private static func isScriptCommand(_ command: [[UInt8]]) -> Bool {
        command.first.map { String(decoding: $0, as: UTF8.self).uppercased() == "SCRIPT" } ?? false
    }
}

/// An error reply that says the command belongs elsewhere, or later.
enum Redirect {
    case moved(slot: Int, node: HostPort)
    case ask(slot: Int, node: HostPort)
    case retryLater

    /// `askedOf`: the node that answered, meant by a redirect with no host (`MOVED 12 :6381`).
    init?(_ reply: RedisReply, askedOf: HostPort) {
        guard case .error(let message) = reply else { return nil }
        let words = message.split(separator: " ")
        guard let kind = words.first else { return nil }
        switch kind {
        case "MOVED", "ASK":
            guard words.count == 3, let slot = Int(words[1]), let colon = words[2].lastIndex(of: ":"),
                  let port = Int(words[2][words[2].index(after: colon)...]), (1...65535).contains(port) else { return nil }
            var host = String(words[2][..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            if host.isEmpty || host == "?" { host = askedOf.host }
            let node = HostPort(host: host, port: port)
            self = kind == "MOVED" ? .moved(slot: slot, node: node) : .ask(slot: slot, node: node)
        case "TRYAGAIN", "CLUSTERDOWN":
            self = .retryLater
        default:
            // A script that touched a key of a slot being moved stopped before writing (see Scripts).
            guard message.contains("attempted to access a non local key") else { return nil }
            self = .retryLater
        }
    }
}
