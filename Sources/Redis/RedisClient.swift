import Dispatch
import Foundation

/// An argument of a Redis command: text or raw bytes, sent binary-safe.
public protocol RedisArgument: Sendable {
    var redisBytes: [UInt8] { get }
}

extension String: RedisArgument { public var redisBytes: [UInt8] { Array(utf8) } }
extension Int: RedisArgument { public var redisBytes: [UInt8] { Array(String(self).utf8) } }
extension Double: RedisArgument { public var redisBytes: [UInt8] { Array(String(self).utf8) } }
extension Array: RedisArgument where Element == UInt8 { public var redisBytes: [UInt8] { self } }

/// One Redis connection (or, for a cluster, one per master) behind an async API. Its I/O blocks,
/// so every call runs on the client's own serial dispatch queue (its own thread, never Swift's
/// cooperative pool). For Sentinel, each connect finds the master anew, and a `READONLY` reply
/// (the master was demoted) drops the connection and runs the call again on the new master. A broken connection
/// is dropped at once and the next call reconnects, waiting out an exponential backoff
/// (100 ms doubling to 5 s) after each failed attempt, so a loop that keeps calling backs off by itself.
///
/// `@unchecked Sendable`: `connection`, `cluster`, `backoff` and `nextAttempt` are only used on `queue`.
public final class RedisClient: @unchecked Sendable {
    public let config: RedisConfig
    private let queue: DispatchQueue
    private var connection: RedisConnection?
    private let cluster: ClusterRouter?
    private var backoff: Double = 0
    private var nextAttempt: Date = .distantPast
    private let scripts = ScriptCache()

    public init(_ config: RedisConfig, label: String = "redis") {
        self.config = config
        queue = DispatchQueue(label: "swissagent.\(label)")
        cluster = if case .cluster(let seeds) = config.topology { ClusterRouter(config: config, seeds: seeds) } else { nil }
    }

    /// Commands of one call must then keep to one slot (one queue's keys).
    public var isCluster: Bool { cluster != nil }

    public convenience init(url: String, label: String = "redis") throws(RedisError) {
        self.init(try RedisConfig(url: url), label: label)
    }

    /// Runs one command. Error replies come back as `.error`; use `orThrow()` to raise them.
    @discardableResult
    public func send(_ args: [any RedisArgument], timeout: Double? = nil) async throws -> RedisReply {
        try await pipeline([args], timeout: timeout)[0]
    }

    /// Runs one command and raises an error reply.
    @discardableResult
    public func call(_ args: any RedisArgument...) async throws -> RedisReply {
        try await send(args).orThrow()
    }

    /// Sends all commands in one write and reads all replies: one round trip.
    public func pipeline(_ commands: [[any RedisArgument]], timeout: Double? = nil) async throws -> [RedisReply] {
        if commands.isEmpty { return [] }
        let raw = commands.map { $0.map(\.redisBytes) }
        return try await withCheckedThrowingContinuation { cont in
            queue.async {
                cont.resume(with: Result { () throws(RedisError) in try self.runLocked(raw, timeout: timeout) })
            }
        }
    }

    /// Queues the commands on the connection now, in call order, and returns at once: the caller can
    /// prepare the next batch while Redis works on this one. Await `replies()` for the answers.
    public func submit(_ commands: [[[UInt8]]], timeout: Double? = nil) -> PendingReplies {
        let pending = PendingReplies()
        queue.async {
            pending.fulfil(Result { () throws(RedisError) in try self.runLocked(commands, timeout: timeout) })
        }
        return pending
    }

    /// Runs a Lua script by its SHA, loading it first and again after NOSCRIPT (a flushed script cache).
    public func eval(_ script: RedisScript, keys: [String], args: [any RedisArgument]) async throws -> RedisReply {
        try await evalBatch(script, [(keys, args)])[0].orThrow()
    }

    /// Pipelines many runs of one script (e.g. a batch enqueue) in one round trip.
    public func evalBatch(_ script: RedisScript, _ calls: [(keys: [String], args: [any RedisArgument])]) async throws -> [RedisReply] {
        let sha = Array(try await load(script).utf8)
        let commands = calls.map { [Array("EVALSHA".utf8), sha, Array(String($0.keys.count).utf8)] + $0.keys.map(\.redisBytes) + $0.args.map(\.redisBytes) }
        return try await submitScript(script, commands).replies()
    }

    /// Sends runs of `script` at once (each an EVALSHA command with any SHA in second place: the
    /// loaded one is put there), and returns before the replies are in, so the caller can build the
    /// next batch meanwhile. Runs Redis refused with NOSCRIPT (its script cache was flushed, so
    /// nothing of them ran) are sent again, once, with the script loaded anew.
    public func submitScript(_ script: RedisScript, _ commands: [[[UInt8]]]) async throws -> ScriptReplies {
        let sha = Array(try await load(script).utf8)
        let sent = commands.map { var c = $0; c[1] = sha; return c }
        return ScriptReplies(client: self, script: script, commands: sent, pending: submit(sent))
    }

    /// What `submitScript` sent, and the replies once they are in.
    public struct ScriptReplies: Sendable {
        let client: RedisClient
        let script: RedisScript
        let commands: [[[UInt8]]]
        let pending: PendingReplies

        public func replies() async throws -> [RedisReply] {
            var out = try await pending.replies()
            let refused = out.indices.filter { if case .error(let m) = out[$0] { m.hasPrefix("NOSCRIPT") } else { false } }
            if refused.isEmpty { return out }
            client.scripts.forget(script.name)
            let sha = Array(try await client.load(script).utf8)
            let again = refused.map { var c = commands[$0]; c[1] = sha; return c }
            for (i, reply) in zip(refused, try await client.submit(again).replies()) { out[i] = reply }
            return out
        }
    }

    func load(_ script: RedisScript) async throws -> String {
        if let sha = scripts.sha(script.name) { return sha }
        guard let sha = try await call("SCRIPT", "LOAD", script.source).text else {
            throw RedisError.unexpectedReply("SCRIPT LOAD returned no SHA")
        }
        scripts.store(script.name, sha)
        return sha
    }

    /// Deletes every key that starts with `prefix` (SCAN, so it never blocks Redis; each master of
    /// a cluster in turn); returns how many.
    @discardableResult
    public func deleteKeys(withPrefix prefix: String) async throws -> Int {
        var deleted = 0
        for node in try await scanNodes() {
            var cursor = "0"
            repeat {
                let reply = try await onNode(node, [["SCAN", cursor, "MATCH", prefix + "*", "COUNT", 1000]])[0].orThrow()
                guard let parts = reply.array, parts.count == 2 else { break }
                cursor = parts[0].text ?? "0"
                // One UNLINK per key: in a cluster, keys of one command must share a slot.
                let keys = parts[1].texts
                if !keys.isEmpty { deleted += try await pipeline(keys.map { ["UNLINK", $0] }).reduce(0) { $0 + (try $1.orThrow().int ?? 0) } }
            } while cursor != "0"
        }
        return deleted
    }

    /// The servers that hold keys: the one server, or each master of a cluster (nil = the one).
    private func scanNodes() async throws -> [HostPort?] {
        guard cluster != nil else { return [nil] }
        return try await withCheckedThrowingContinuation { cont in
            queue.async { cont.resume(with: Result { () throws(RedisError) in try self.cluster?.mastersNow() ?? [] }) }
        }
    }

    private func onNode(_ node: HostPort?, _ commands: [[any RedisArgument]]) async throws -> [RedisReply] {
        guard let node, cluster != nil else { return try await pipeline(commands) }
        let raw = commands.map { $0.map(\.redisBytes) }
        return try await withCheckedThrowingContinuation { cont in
            queue.async { cont.resume(with: Result { () throws(RedisError) in try self.cluster?.run(raw, on: node, timeout: nil) ?? [] }) }
        }
    }


    /// Drops the connection; the next call reconnects.
    public func close() {
        queue.sync {
            connection = nil
            cluster?.dropConnections()
        }
    }

    private func runLocked(_ commands: [[[UInt8]]], timeout: Double?) throws(RedisError) -> [RedisReply] {
        if let cluster { return try withBackoff { () throws(RedisError) in try cluster.run(commands, timeout: timeout) } }
        for attempt in 0..<2 {
            let conn = try connectLocked()
            let replies: [RedisReply]
            do throws(RedisError) {
                replies = try conn.exchange(commands, config: config, timeout: timeout)
            } catch {
                connection = nil  // a connection is dead after any error
                throw error
            }
            // A master demoted by a failover refuses writes: find the new one and run the call there.
            // Nothing the refused commands asked for happened, so running them again is safe.
            guard replies.contains(where: \.isReadOnlyError) else { return replies }
            connection = nil
            if attempt == 1 { return replies }
        }
        return []
    }

    /// Waits out the backoff before trying, and lengthens it after a connection error.
    private func withBackoff<T>(_ body: () throws(RedisError) -> T) throws(RedisError) -> T {
        let wait = nextAttempt.timeIntervalSinceNow
        if wait > 0 { Thread.sleep(forTimeInterval: wait) }
        do throws(RedisError) {
            let value = try body()
            backoff = 0
            return value
        } catch {
            if error.isConnectionError {
                backoff = min(max(backoff * 2, 0.1), 5)
                nextAttempt = Date().addingTimeInterval(backoff)
            }
            throw error
        }
    }

    private func connectLocked() throws(RedisError) -> RedisConnection {
        if let connection { return connection }
        let conn = try withBackoff { () throws(RedisError) in try RedisConnection.open(config) }
        connection = conn
        return conn
    }
}

/// The replies of commands sent with `submit`, to be awaited later.
/// `@unchecked Sendable`: `result` and `waiter` are only touched while holding `lock`.
public final class PendingReplies: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<[RedisReply], RedisError>?
    private var waiter: CheckedContinuation<[RedisReply], any Error>?

    func fulfil(_ r: Result<[RedisReply], RedisError>) {
        let w: CheckedContinuation<[RedisReply], any Error>? = lock.withLock {
            if let waiter { self.waiter = nil; return waiter }
            result = r
            return nil
        }
        w?.resume(with: r)
    }

    public func replies() async throws -> [RedisReply] {
        try await withCheckedThrowingContinuation { cont in
            let ready: Result<[RedisReply], RedisError>? = lock.withLock {
                if let result { return result }
                waiter = cont
                return nil
            }
            if let ready { cont.resume(with: ready) }
        }
    }
}

/// SHA1s of loaded scripts, shared by a client's calls.
/// `@unchecked Sendable`: all access holds `lock`.
final class ScriptCache: @unchecked Sendable {
    private let lock = NSLock()
    private var shas: [String: String] = [:]

    func sha(_ name: String) -> String? { lock.withLock { shas[name] } }
    func store(_ name: String, _ sha: String) { lock.withLock { shas[name] = sha } }
    func forget(_ name: String) { lock.withLock { _ = shas.removeValue(forKey: name) } }
}

/// A named Lua script. All of them live in `Scripts.swift`.
public struct RedisScript: Sendable {
    public let name: String
    public let source: String

    public init(name: String, source: String) {
        self.name = name
        self.source = source
    }
}
