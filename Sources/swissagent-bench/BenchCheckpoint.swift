import AgentCore
import ArgumentParser
import Artifacts
import Foundation
import Sandboxes

/// What checkpoints cost: a whole workspace the first time, a one-file change after, a turn that
/// changed nothing (the scan alone), and a restore into a new sandbox, against the configured store.
struct BenchCheckpoint: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Workspace checkpoint and restore: time and bytes uploaded for a whole workspace, a one-file change, no change, and a restore.",
        discussion: "The store is --artifacts or $SWISSAGENT_ARTIFACTS (s3:// or file://; default: a temporary folder). "
            + "Runs in the local sandbox and removes what it stored.")

    @Option(help: "Where to store: s3://bucket/prefix or file:///path (default $SWISSAGENT_ARTIFACTS, else a temporary folder).")
    var artifacts: String?

    @Option(help: "Workspace size, in MB of random bytes.")
    var mb = 20

    @Option(help: "Files the workspace's bytes are spread over.")
    var files = 20

    @Option(help: "Rounds; the figures are medians.")
    var rounds = 3

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        guard (1...2048).contains(mb), (1...10_000).contains(files), (1...50).contains(rounds) else {
            throw ValidationError("--mb 1...2048, --files 1...10000, --rounds 1...50")
        }
    }

    struct Round {
        var full = 0.0, fullBytes = 0, small = 0.0, smallBytes = 0, unchanged = 0.0, restore = 0.0
    }

    func run() async throws {
        let scratch = NSTemporaryDirectory() + "swissagent-bench-checkpoint-" + JobID.make()
        // Open to the sandbox's unprivileged uid (its workspaces are below), before the store makes its own 0700 folder in it.
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o711])
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let location = artifacts ?? ProcessInfo.processInfo.environment["SWISSAGENT_ARTIFACTS"] ?? "file://\(scratch)/store"
        let store = try ArtifactStoreConfig.make(location)
        let provider = try LocalSandboxProvider(config: LocalSandboxConfig(workspaceRoot: scratch + "/ws"))
        var results: [Round] = []
        for _ in 0..<rounds { results.append(try await round(store: store, provider: provider)) }
        func median(_ f: (Round) -> Double) -> Double { results.map(f).sorted()[results.count / 2] }
        let r = Round(full: median(\.full), fullBytes: Int(median { Double($0.fullBytes) }), small: median(\.small),
                      smallBytes: Int(median { Double($0.smallBytes) }), unchanged: median(\.unchanged), restore: median(\.restore))
        if json {
            print(JSONValue.object([
                "store": .string(store.label), "workspace_bytes": .number(Double(mb << 20)), "files": .number(Double(files + 1)),
                "full_seconds": .number(r.full), "full_uploaded_bytes": .number(Double(r.fullBytes)),
                "one_file_change_seconds": .number(r.small), "one_file_change_uploaded_bytes": .number(Double(r.smallBytes)),
                "unchanged_seconds": .number(r.unchanged), "restore_seconds": .number(r.restore),
            ]).prettyJSON())
            return
        }
        print("swissagent bench checkpoint: \(mb) MB in \(files + 1) files, \(store.label), median of \(rounds)")
        print(String(format: "  first checkpoint      %8.3f s   ", r.full) + HumanText.bytes(r.fullBytes) + " uploaded")
        print(String(format: "  one file changed      %8.3f s   ", r.small) + "\(r.smallBytes) B uploaded")
        print(String(format: "  nothing changed       %8.3f s   (the scan alone)", r.unchanged))
        print(String(format: "  restore, new sandbox  %8.3f s", r.restore))
    }

    func round(store: any ArtifactStore, provider: LocalSandboxProvider) async throws -> Round {
        let keys = ArtifactKeys(tenant: "bench", job: "checkpoint-" + JobID.make())
        guard let session = try await provider.open(jobID: "bench", env: [:]) as? any WorkspaceSession,
              let other = try await provider.open(jobID: "bench", env: [:]) as? any WorkspaceSession else {
            throw ValidationError("the local sandbox gives no workspace")
        }
        defer { Task { await session.close(); await other.close() } }
        let each = (mb << 20) / files
        let filled = try await session.exec(ExecRequest(argv: ["/bin/sh", "-c", "mkdir -p data && for i in $(seq 1 \(files)); do head -c \(each) /dev/urandom > data/f$i; done; echo v1 > notes.txt"],
                                                        limits: ResourceLimits(wallSeconds: 600, diskMB: mb * 2 + 64))) { _, text in FileHandle.standardError.write(Data(text.utf8)) }
        guard filled.exitCode == 0 else { throw ValidationError("cannot fill the workspace: exit \(filled.exitCode)") }
        let keeper = WorkspaceCheckpoints(store: store, keys: keys, tree: session.workspace, limits: CheckpointLimits(maxBytes: (mb + 1) << 20))
        var r = Round()
        var start = ContinuousClock.now
        try await keeper.save(turn: 1)
        r.full = (ContinuousClock.now - start).seconds
        r.fullBytes = await keeper.uploaded
        _ = try await session.exec(ExecRequest(argv: ["/bin/sh", "-c", "echo v2 >> notes.txt"], limits: ResourceLimits(wallSeconds: 60))) { _, _ in }
        start = .now
        try await keeper.save(turn: 2)
        r.small = (ContinuousClock.now - start).seconds
        r.smallBytes = await keeper.uploaded - r.fullBytes
        start = .now
        try await keeper.save(turn: 3)
        r.unchanged = (ContinuousClock.now - start).seconds
        start = .now
        _ = try await WorkspaceCheckpoints(store: store, keys: keys, tree: other.workspace, limits: CheckpointLimits(maxBytes: (mb + 1) << 20))
            .restore(turn: 2)
        r.restore = (ContinuousClock.now - start).seconds
        try await JobFiles(store: store).delete(tenant: "bench", id: keys.job)
        return r
    }
}
