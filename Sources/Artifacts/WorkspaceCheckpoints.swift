import AgentCore
import Foundation

/// One attempt's keeper of its job's workspace. A checkpoint is a manifest of the files (by
/// content) plus the blobs not stored before: a small change uploads that change only, and
/// checkpoints share what did not change. A manifest is written after its blobs, so one that
/// can be read names only files that are there.
public actor WorkspaceCheckpoints: WorkspaceKeeping {
    let store: any ArtifactStore
    let keys: ArtifactKeys
    let tree: any WorkspaceTree
    let limits: CheckpointLimits
    /// A fork's original and the turn it was forked at: where its first workspace comes from.
    let origin: (keys: [ArtifactKeys], turn: Int)?
    /// The sandbox is an earlier attempt's, found again: a restore checks its files before writing any.
    let sameSandbox: Bool
    /// Blobs the job already has (listed once, then kept up to date).
    private var known: Set<String>?
    /// The files at the last checkpoint (or restore), by path: unchanged stamps are not read again.
    private var last: [String: (stamp: String, file: WorkspaceManifest.File)] = [:]
    private var lastManifest: WorkspaceManifest?
    private var lastTurn = 0
    /// Bytes of blobs this attempt uploaded, and checkpoints it wrote.
    public private(set) var uploaded = 0
    public private(set) var written = 0
    /// Requests to the store at once, one attempt's.
    static let inFlight = 8

    public init(store: any ArtifactStore, keys: ArtifactKeys, tree: any WorkspaceTree, limits: CheckpointLimits = CheckpointLimits(),
                origin: (keys: [ArtifactKeys], turn: Int)? = nil, sameSandbox: Bool = false) {
        self.sameSandbox = sameSandbox
        self.store = store
        self.keys = keys
        self.tree = tree
        self.limits = limits
        self.origin = origin
    }

    public func save(turn: Int) async throws {
        lastTurn = max(lastTurn, turn)
        let manifest = try await snapshot(turn: turn)
        // Nothing changed since the last checkpoint (or there is nothing at all yet): nothing to write.
        if let previous = lastManifest, previous.files == manifest.files, previous.omitted == manifest.omitted { return }
        if lastManifest == nil && manifest.files.isEmpty && manifest.omitted.isEmpty { return }
        try await store.put(keys.checkpoint(turn: turn), manifest.encoded())
        lastManifest = manifest
        written += 1
    }

    @discardableResult
    public func keep() async throws -> Int {
        let manifest = try await snapshot(turn: lastTurn)
        // A job that never had a file (most plain jobs) keeps nothing: no object, no listing.
        if lastManifest == nil && manifest.files.isEmpty && manifest.omitted.isEmpty { return 0 }
        try await store.put(keys.files, manifest.encoded())
        lastManifest = manifest
        return try await JobFiles(store: store).held(root: keys.root)
    }

    public nonisolated var root: String { keys.root }
    public var uploadedBytes: Int { uploaded }

    public func discard(after turn: Int) async throws {
        let stale = try await store.list(prefix: keys.checkpoints).filter { (ArtifactKeys.turn(ofCheckpoint: $0.key) ?? Int.max) > turn }
        if !stale.isEmpty { try await store.delete(stale.map(\.key)) }
    }

    public func restore(turn: Int) async throws -> WorkspaceRestore? {
        try await discard(after: turn)
        var found = try await latest(of: keys, atMost: turn)
        if found == nil, let origin {
            for candidate in origin.keys {
                if let f = try await latest(of: candidate, atMost: origin.turn) { found = f; break }
            }
        }
        guard let (manifestKey, from) = found else { return nil }
        guard let data = try await store.get(manifestKey, maxBytes: 64 << 20) else { return nil }
        let manifest = try WorkspaceManifest.decode(data)
        var restore = WorkspaceRestore(turn: manifest.turn, files: manifest.files.count, bytes: manifest.bytes,
                                       omitted: manifest.omitted, omittedWhy: manifest.omittedWhy)
        restore.sameSandbox = sameSandbox
        // A sandbox found again keeps its files when they are the checkpoint's (E2B has lost writes
        // across a pause and files after a second resume: they are checked, never assumed).
        if sameSandbox, try await matches(manifest) {
            restore.rewritten = false
            return restore
        }
        try await tree.clear()
        // A few at a time: a store is a round trip away per file, and a workspace may hold thousands.
        let store = self.store
        for chunk in stride(from: 0, to: manifest.files.count, by: Self.inFlight).map({ Array(manifest.files[$0..<min($0 + Self.inFlight, manifest.files.count)]) }) {
            let fetched = try await withThrowingTaskGroup(of: (Int, [UInt8]).self) { group in
                for (i, file) in chunk.enumerated() {
                    group.addTask {
                        guard let blob = try await store.get(from.blob(file.sha256), maxBytes: file.size) else {
                            throw ArtifactStoreError("the checkpoint after turn \(manifest.turn) names \(file.path), whose content is not in the store",
                                                     retryable: false)
                        }
                        let bytes = [UInt8](blob)
                        guard ContentDigest.sha256(bytes) == file.sha256 else {
                            throw ArtifactStoreError("\(file.path) in the checkpoint after turn \(manifest.turn) does not match its digest", retryable: false)
                        }
                        return (i, bytes)
                    }
                }
                var all = [[UInt8]](repeating: [], count: chunk.count)
                for try await (i, bytes) in group { all[i] = bytes }
                return all
            }
            for (file, bytes) in zip(chunk, fetched) { try await tree.write(file.path, bytes, mode: file.mode & 0o777) }
        }
        // What is there now is what the manifest says: the next checkpoint uploads only what changes.
        let (entries, _) = try await tree.scan(limit: limits.maxFiles + 1)
        let byPath = Dictionary(manifest.files.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        last = [:]
        for e in entries { if let f = byPath[e.path] { last[e.path] = (e.stamp, f) } }
        lastManifest = manifest
        lastTurn = max(lastTurn, manifest.turn)
        return restore
    }

    /// Whether the workspace holds exactly the manifest's files (by content, where the tree hashes in
    /// place; a tree that does not is taken to differ). On a match, what is there is known.
    private func matches(_ manifest: WorkspaceManifest) async throws -> Bool {
        let (entries, truncated) = try await tree.scan(limit: limits.maxFiles + 1)
        let regular = entries.filter(\.regular)
        guard !truncated, regular.count == manifest.files.count else { return false }
        let byPath = Dictionary(manifest.files.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        var seen: [String: (stamp: String, file: WorkspaceManifest.File)] = [:]
        for e in regular {
            guard let f = byPath[e.path], let sha = e.sha256, sha == f.sha256 else { return false }
            seen[e.path] = (e.stamp, f)
        }
        last = seen
        lastManifest = manifest
        lastTurn = max(lastTurn, manifest.turn)
        return true
    }

    /// The workspace now, its new blobs stored.
    func snapshot(turn: Int) async throws -> WorkspaceManifest {
        let (entries, truncated) = try await tree.scan(limit: limits.maxFiles + 1)
        var files: [WorkspaceManifest.File] = []
        var omitted: [String] = []
        var reasons = Set<String>()
        var total = 0
        var next: [String: (stamp: String, file: WorkspaceManifest.File)] = [:]
        var uploads: [(String, Data)] = []
        for entry in entries.sorted(by: { $0.path < $1.path }) {
            guard entry.regular else { omitted.append(entry.path); reasons.insert("links and special files are not kept"); continue }
            guard files.count < limits.maxFiles else { omitted.append(entry.path); reasons.insert("over the \(limits.maxFiles)-file cap"); continue }
            guard total + entry.size <= limits.maxBytes else {
                omitted.append(entry.path)
                reasons.insert("over the \(HumanText.bytes(limits.maxBytes)) cap")
                continue
            }
            var file: WorkspaceManifest.File
            if let seen = last[entry.path], seen.stamp == entry.stamp {
                file = seen.file
            } else if let sha = entry.sha256, try await knownBlobs().contains(sha) {
                // Hashed in the sandbox, and the store has it: nothing to download.
                file = WorkspaceManifest.File(path: entry.path, size: entry.size, mode: entry.mode & 0o777, sha256: sha, modified: entry.modified)
            } else {
                let bytes = try await tree.read(entry.path, maxBytes: limits.maxBytes - total)
                file = WorkspaceManifest.File(path: entry.path, size: bytes.count, mode: entry.mode & 0o777,
                                              sha256: ContentDigest.sha256(bytes), modified: entry.modified)
                if try await !knownBlobs().contains(file.sha256) && !uploads.contains(where: { $0.0 == file.sha256 }) {
                    uploads.append((file.sha256, Data(bytes)))
                }
            }
            total += file.size
            files.append(file)
            next[entry.path] = (entry.stamp, file)
        }
        if truncated { reasons.insert("over the \(limits.maxFiles)-file cap (more files than were listed)") }
        try await upload(uploads)
        known?.formUnion(uploads.map(\.0))
        last = next
        return WorkspaceManifest(turn: turn, at: Date().timeIntervalSince1970, files: files, omitted: omitted,
                                 omittedWhy: reasons.isEmpty ? nil : reasons.sorted().joined(separator: "; "))
    }

    /// The blobs the job already has: listed once, when a file first needs checking (a workspace
    /// that stays empty, or unchanged, never asks).
    private func knownBlobs() async throws -> Set<String> {
        if let known { return known }
        let listed = Set(try await store.list(prefix: keys.blobs).map { String($0.key.dropFirst(keys.blobs.count)) })
        known = listed
        return listed
    }

    /// Blobs go up a few at a time; a manifest is only written once all of its are stored.
    private func upload(_ blobs: [(String, Data)]) async throws {
        let store = self.store, keys = self.keys
        try await withThrowingTaskGroup(of: Int.self) { group in
            var running = 0
            for (digest, data) in blobs {
                if running == Self.inFlight, let sent = try await group.next() { uploaded += sent; running -= 1 }
                group.addTask {
                    try await store.put(keys.blob(digest), data)
                    return data.count
                }
                running += 1
            }
            for try await sent in group { uploaded += sent }
        }
    }

    /// The key of the latest checkpoint of `keys` at or before `turn`.
    private func latest(of keys: ArtifactKeys, atMost turn: Int) async throws -> (String, ArtifactKeys)? {
        let all = try await store.list(prefix: keys.checkpoints)
        let best = all.compactMap { o in ArtifactKeys.turn(ofCheckpoint: o.key).map { ($0, o.key) } }.filter { $0.0 <= turn }.max { $0.0 < $1.0 }
        return best.map { ($0.1, keys) }
    }
}
