import AgentCore
import Artifacts
import Foundation
import Testing
import TestServers

/// Checkpoints of a real sandbox's workspace: content-addressed (a small change uploads that change),
/// restored byte for byte into another sandbox, bounded by caps that leave files out and say which.
@Suite("Workspace checkpoints", .serialized)
struct CheckpointTests {
    /// 20 files of 1 MB of random bytes, and a small one.
    static func fill(_ ws: SandboxWorkspace) async throws {
        try await ws.sh("mkdir -p data src && for i in $(seq 1 20); do head -c 1048576 /dev/urandom > data/part$i; done && echo 'v1' > src/main.txt && chmod 755 src/main.txt")
    }

    static func checkpointsAreIncremental(_ store: any ArtifactStore) async throws {
        let ws = try await SandboxWorkspace.open()
        defer { Task { await ws.session.close() } }
        try await Self.fill(ws)
        let keys = ArtifactKeys(tenant: "acme", job: "job-\(UUID().uuidString.prefix(6))")
        let keeper = WorkspaceCheckpoints(store: store, keys: keys, tree: ws.session.workspace)
        try await keeper.save(turn: 1)
        let first = await keeper.uploaded
        #expect(first >= 20 << 20)
        // A one-line change uploads that file, not the 20 MB around it.
        try await ws.sh("echo 'v2, changed' > src/main.txt")
        try await keeper.save(turn: 2)
        let second = await keeper.uploaded - first
        #expect(second == "v2, changed\n".utf8.count)
        // Nothing changed: no checkpoint is written.
        try await keeper.save(turn: 3)
        #expect(await keeper.written == 2)
        #expect(try await store.list(prefix: keys.checkpoints).count == 2)

        // Another sandbox (another worker's workspace root) gets the files back as they were after turn 1.
        let other = try await SandboxWorkspace.open()
        defer { Task { await other.session.close() } }
        let restorer = WorkspaceCheckpoints(store: store, keys: keys, tree: other.session.workspace)
        let restored = try #require(try await restorer.restore(turn: 1))
        #expect(restored.turn == 1)
        #expect(restored.files == 21)
        #expect(try await other.sh("cat src/main.txt") == "v1\n")
        #expect(try await other.sh("test -x src/main.txt && echo exec") == "exec\n")
        #expect(try await other.sh("cd data && cat part* | sha256sum") == (try await ws.sh("cd data && cat part* | sha256sum")))
        // Restoring to turn 1 forgets the later checkpoint: it belongs to a timeline the run left.
        #expect(try await store.list(prefix: keys.checkpoints).count == 1)
        // The restorer already holds what it put back: saving it again uploads nothing.
        try await other.sh("echo new > new.txt")
        try await restorer.save(turn: 2)
        #expect(await restorer.uploaded == 4)
    }

    @Test func checkpointsInADirectoryAreIncrementalAndRestore() async throws {
        try await Self.checkpointsAreIncremental(try Stores.directory())
    }

    @Test func checkpointsInS3AreIncrementalAndRestore() async throws {
        let moto = try await MotoS3Server.start()
        try await Self.checkpointsAreIncremental(Stores.s3(moto))
    }

    @Test func aWorkspaceOverTheCapIsKeptInPartAndTheRunIsToldWhat() async throws {
        let store = try Stores.directory()
        let ws = try await SandboxWorkspace.open()
        defer { Task { await ws.session.close() } }
        try await ws.sh("head -c 600000 /dev/urandom > a.bin && head -c 600000 /dev/urandom > b.bin && echo small > c.txt && ln -s /etc/passwd link")
        let keys = ArtifactKeys(tenant: nil, job: "capped")
        let keeper = WorkspaceCheckpoints(store: store, keys: keys, tree: ws.session.workspace, limits: CheckpointLimits(maxBytes: 1_000_000, maxFiles: 100))
        try await keeper.save(turn: 1)
        let other = try await SandboxWorkspace.open()
        defer { Task { await other.session.close() } }
        let restored = try #require(try await WorkspaceCheckpoints(store: store, keys: keys, tree: other.session.workspace).restore(turn: 5))
        #expect(restored.files == 2)
        #expect(restored.omitted == ["b.bin", "link"])
        #expect(restored.note.contains("b.bin"))
        #expect(restored.note.contains("cap"))
        #expect(try await other.sh("ls") == "a.bin\nc.txt\n")
        // A link is never followed: what it points at stays where it is.
        #expect(try await store.list(prefix: keys.blobs).allSatisfy { $0.size != (try? Data(contentsOf: URL(fileURLWithPath: "/etc/passwd")).count) })
    }

    @Test func aFileCountCapLeavesTheRestOut() async throws {
        let store = try Stores.directory()
        let ws = try await SandboxWorkspace.open()
        defer { Task { await ws.session.close() } }
        try await ws.sh("for i in $(seq 1 30); do echo $i > f$i; done")
        let keeper = WorkspaceCheckpoints(store: store, keys: ArtifactKeys(tenant: nil, job: "many"), tree: ws.session.workspace,
                                          limits: CheckpointLimits(maxBytes: 1 << 20, maxFiles: 10))
        try await keeper.keep()
        let manifest = try #require(try await JobFiles(store: store).manifest(tenant: nil, id: "many"))
        #expect(manifest.files.count == 10)
        #expect(manifest.omittedWhy?.contains("10-file cap") == true)
    }

    @Test func aForkStartsFromItsOriginalsCheckpointUnderItsOwnTenantOnly() async throws {
        let store = try Stores.directory()
        let ws = try await SandboxWorkspace.open()
        defer { Task { await ws.session.close() } }
        let original = ArtifactKeys(tenant: "acme", job: "acme:orig")
        let keeper = WorkspaceCheckpoints(store: store, keys: original, tree: ws.session.workspace)
        for turn in 1...4 {
            try await ws.sh("echo turn\(turn) > state.txt")
            try await keeper.save(turn: turn)
        }
        let other = try await SandboxWorkspace.open()
        defer { Task { await other.session.close() } }
        let fork = WorkspaceCheckpoints(store: store, keys: ArtifactKeys(tenant: "acme", job: "fork1"), tree: other.session.workspace,
                                        origin: (keys: [original], turn: 2))
        #expect(try await fork.restore(turn: 2)?.turn == 2)
        #expect(try await other.sh("cat state.txt") == "turn2\n")
        // Another tenant naming the same job finds nothing.
        let third = try await SandboxWorkspace.open()
        defer { Task { await third.session.close() } }
        let stranger = WorkspaceCheckpoints(store: store, keys: ArtifactKeys(tenant: "evil", job: "fork2"), tree: third.session.workspace,
                                            origin: (keys: [ArtifactKeys(tenant: "evil", job: "acme:orig")], turn: 2))
        #expect(try await stranger.restore(turn: 2) == nil)
        #expect(try await third.sh("ls") == "")
    }

    @Test func aTamperedBlobIsRefusedOnRestore() async throws {
        let store = try Stores.directory()
        let ws = try await SandboxWorkspace.open()
        defer { Task { await ws.session.close() } }
        try await ws.sh("echo original > f.txt")
        let keys = ArtifactKeys(tenant: nil, job: "tampered")
        try await WorkspaceCheckpoints(store: store, keys: keys, tree: ws.session.workspace).save(turn: 1)
        let blob = try #require(try await store.list(prefix: keys.blobs).first)
        try await store.put(blob.key, Data("evil!!!!\n".utf8))
        let other = try await SandboxWorkspace.open()
        defer { Task { await other.session.close() } }
        await #expect(throws: ArtifactStoreError.self) { _ = try await WorkspaceCheckpoints(store: store, keys: keys, tree: other.session.workspace).restore(turn: 1) }
    }
}
