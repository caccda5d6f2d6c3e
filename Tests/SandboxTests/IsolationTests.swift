import AgentCore
import Foundation
import Redis
import RedisQueue
import RedisTestSupport
import Sandboxes
import TestServers
import Testing

/// What a job's sandbox cannot see or touch. Real bubblewrap, as root in CI.
@Suite struct IsolationTests {
    @Test func theWorkersEnvironmentDoesNotReachTheSandbox() async throws {
        setenv("E2B_API_KEY", "e2b_fake_secret_for_the_isolation_test", 1)
        let run = try await runSteps([shell("env; cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n'; cat /proc/1/cmdline | tr '\\0' ' '")],
                                     env: ["JOB_VAR": "visible"])
        #expect(run.error == nil)
        #expect(run.stdout.contains("JOB_VAR=visible"))
        #expect(run.stdout.contains("HOME=/workspace"))
        #expect(!run.stdout.contains("e2b_fake_secret"))
        #expect(!run.stdout.contains("E2B_API_KEY"))
    }

    /// A connected socket handed down would let a job talk to Redis despite --unshare-net.
    @Test func noDescriptorOfTheWorkerReachesTheSandbox() async throws {
        let redis = try RedisClient(url: try RedisTestServer.sharedURL)
        try await redis.call("PING")  // an open connection in this process while the step runs
        let leaked = Pipe()
        let run = try await runSteps([shell("for f in /proc/self/fd/*; do echo \"fd $(basename $f) $(readlink $f)\"; done")])
        #expect(run.error == nil)
        let fds = run.stdout.split(separator: "\n").filter { $0.hasPrefix("fd ") }
        // 0, 1 and 2, the script the shell reads the command from (commands go in through a file,
        // not argv), and the one the shell's glob holds open on /proc/self/fd itself.
        #expect(fds.count <= 5, "\(run.stdout)")
        #expect(!run.stdout.contains("socket:"), "\(run.stdout)")
        let pipes = fds.filter { $0.contains("pipe:") }.map { $0.split(separator: " ")[1] }
        #expect(Set(pipes).isSubset(of: ["0", "1", "2"]), "\(run.stdout)")
        _ = leaked
    }

    @Test func hostFilesAreOutOfReach() async throws {
        let project = TestPaths.repository.path
        let run = try await runSteps([shell("""
            for p in /root /home '\(project)' '\(project)/Package.swift' /etc/shadow /proc/1/root/root; do
              if ls "$p" >/dev/null 2>&1; then echo "SEEN $p"; else echo "hidden $p"; fi
            done
            """)])
        #expect(run.error == nil)
        #expect(!run.stdout.contains("SEEN"), "\(run.stdout)")
    }

    @Test func writesStayInTheWorkspace() async throws {
        let run = try await runSteps([shell("""
            for p in /usr/evil /etc/evil /evil /bin/evil; do
              if touch "$p" 2>/dev/null; then echo "WROTE $p"; fi
            done
            echo ok > inside.txt && cat inside.txt && pwd
            """)])
        #expect(run.error == nil)
        #expect(!run.stdout.contains("WROTE"))
        #expect(run.stdout.contains("ok\n/workspace"))
        #expect(!FileManager.default.fileExists(atPath: "/evil"))
    }

    @Test func theWorkspacePersistsAcrossStepsAndGoesAway() async throws {
        let root = NSTemporaryDirectory() + "swissagent-ws-test-\(JobID.make())"
        let run = try await runSteps([
            StepSpec(tool: "write_file", input: ["path": "dir/notes.txt", "content": "b\na\n"]),
            shell("sort dir/notes.txt"),
            StepSpec(tool: "read_file", input: ["path": "dir/notes.txt"]),
            StepSpec(tool: "code", input: ["language": "python", "source": "print(open('dir/notes.txt').read().split())"]),
        ], config: LocalSandboxConfig(workspaceRoot: root))
        #expect(run.error == nil, "\(run.stderr)")
        #expect(run.stdout == "a\nb\nb\na\n['b', 'a']\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: root).isEmpty)
        #expect(run.observer.steps.map(\.status) == [.succeeded, .succeeded, .succeeded, .succeeded])
    }

    @Test func pathsMayNotLeaveTheWorkspace() async throws {
        let run = try await runSteps([StepSpec(tool: "read_file", input: ["path": "../../etc/passwd"])])
        #expect(run.error?.description == #"step 1: path "../../etc/passwd" must stay inside the job's workspace (relative, no "..")"#)
        #expect(run.error?.kind == .permanent)
    }
}
