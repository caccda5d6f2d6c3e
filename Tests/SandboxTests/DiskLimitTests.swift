import AgentCore
import Foundation
import Sandboxes
import Testing

/// A job's files count: the workspace and /tmp together, however they are written or hidden. A step
/// that goes over then waits (`sleep 600`) until the disk watch stops it, so a slow watch is never
/// outrun by the step's own end; the 60 s time limit is only the backstop of a broken watch.
@Suite struct DiskLimitTests {
    let limits = ResourceLimits(wallSeconds: 60, diskMB: 50)

    @Test func manyFilesInTheWorkspaceStopAtTheDiskLimit() async throws {
        let run = try await runSteps([shell("for i in $(seq 1 100); do head -c 10000000 /dev/zero > f$i || exit 9; sleep 0.05; done; echo wrote-all")],
                                     limits: limits)
        #expect(run.error?.description == "step 1 exceeded its 50 MB disk limit", "\(run.stderr)")
        #expect(run.error?.kind == .permanent)
        #expect(!run.stdout.contains("wrote-all"))
        #expect(run.observer.steps.first?.limits?.diskMB == 50)
    }

    @Test func tmpIsOnDiskAndCountedWithTheWorkspace() async throws {
        let run = try await runSteps([shell("head -c 30000000 /dev/zero > /tmp/a && head -c 30000000 /dev/zero > b && sleep 600; echo done")],
                                     limits: limits)
        #expect(run.error?.description == "step 1 exceeded its 50 MB disk limit", "\(run.stderr)")
    }

    @Test func oneFileBiggerThanTheLimitIsStoppedByTheKernel() async throws {
        let run = try await runSteps([shell("head -c 200000000 /dev/zero > /tmp/big; echo after")], limits: limits)
        #expect(run.error?.description == "step 1 exceeded its 50 MB disk limit", "\(run.stdout) \(run.stderr)")
    }

    @Test func aDirectoryMadeUnreadableCannotHideItsFiles() async throws {
        let run = try await runSteps([
            shell("mkdir hidden && head -c 40000000 /dev/zero > hidden/x && chmod 000 hidden"),
            shell("head -c 20000000 /dev/zero > y; sleep 600; echo done"),
        ], limits: limits)
        #expect(run.error?.description == "step 2 exceeded its 50 MB disk limit", "\(run.stderr)")
    }

    @Test func aMillionEmptyFilesCountToo() async throws {
        let run = try await runSteps([shell("mkdir d && cd d && seq 1 20000 | xargs touch; sleep 600; echo done")], limits: limits)
        #expect(run.error?.description == "step 1 exceeded its 50 MB disk limit", "\(run.stderr)")
    }

    @Test func filesWithinTheLimitAreFine() async throws {
        let run = try await runSteps([shell("head -c 10000000 /dev/zero > /tmp/a && head -c 10000000 /dev/zero > b && echo ok"),
                                      shell("ls -s --block-size=M b /tmp/a | wc -l")], limits: limits)
        #expect(run.error == nil, "\(run.stderr)")
        #expect(run.stdout == "ok\n2\n")
    }
}

/// A worker killed with -9 leaves its workspaces behind; the next one on the host removes them.
@Suite struct WorkspaceSweepTests {
    @Test func workspacesOfADeadOwnerAreRemovedAndALiveOnesAreKept() async throws {
        let root = NSTemporaryDirectory() + "swissagent-sweep-test-\(JobID.make())"
        defer { try? FileManager.default.removeItem(atPath: root) }
        // A live provider in this process, with an open workspace: never swept.
        let live = try LocalSandboxProvider(config: LocalSandboxConfig(workspaceRoot: root))
        let session = try await live.open(jobID: "live-job", env: [:])
        _ = try await session.exec(ExecRequest(argv: ["/bin/sh", "-c", "head -c 1000000 /dev/zero > kept"], limits: ResourceLimits())) { _, _ in }

        // A dead worker's leftovers: its lock file (which nobody holds) and its directory, as kill -9 leaves them.
        let dead = root + "/owner-999999-dead"
        try FileManager.default.createDirectory(atPath: dead + "/job-1/work/sub", withIntermediateDirectories: true)
        try Data(count: 5_000_000).write(to: URL(fileURLWithPath: dead + "/job-1/work/sub/big"))
        try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: dead + "/job-1/work/sub")
        FileManager.default.createFile(atPath: dead + ".lock", contents: nil)
        // And a workspace of the layout before owners had locks.
        try FileManager.default.createDirectory(atPath: root + "/old-job-abc", withIntermediateDirectories: true)

        let next = try LocalSandboxProvider(config: LocalSandboxConfig(workspaceRoot: root))
        #expect(next.sweptWorkspaces == 2)
        #expect(!FileManager.default.fileExists(atPath: dead))
        #expect(!FileManager.default.fileExists(atPath: dead + ".lock"))
        #expect(!FileManager.default.fileExists(atPath: root + "/old-job-abc"))
        let left = try FileManager.default.contentsOfDirectory(atPath: root)
        #expect(left.count == 4, "\(left)")  // the two live owners' directories and locks
        let check = try await session.exec(ExecRequest(argv: ["/bin/sh", "-c", "wc -c < kept"], limits: ResourceLimits())) { _, _ in }
        #expect(check.exitCode == 0)
        await session.close()
    }
}
