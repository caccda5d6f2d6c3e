import Foundation
import TestServers
import Testing

/// A console whose terminal disappears without a SIGHUP (a deleted pty, a dropped ssh session
/// whose signal never came) ends instead of spinning on reads that fail at once.
@Suite struct ConsoleTerminalGoneTests {
    /// Python owns the pty: the console runs on its slave side in a session of its own (so no SIGHUP
    /// can reach it), then the master is closed. Prints the console's exit, or its CPU use if it lives on.
    static let harness = #"""
    import os, pty, signal, sys, time
    master, slave = pty.openpty()
    pid = os.fork()
    if pid == 0:
        os.setsid()
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
        os.close(master)
        os.execv(sys.argv[1], sys.argv[1:])
    os.close(slave)
    deadline = time.time() + 60
    drawn = b""
    while time.time() < deadline and b"help" not in drawn:  # until it has drawn its hint bar
        try:
            os.set_blocking(master, False)
            drawn += os.read(master, 65536)
        except (BlockingIOError, OSError):
            pass
        time.sleep(0.05)
    os.close(master)
    deadline = time.time() + 60
    while time.time() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            print("exited", status)
            sys.exit(0)
        time.sleep(0.05)
    ticks = lambda: sum(int(x) for x in open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[11:13])
    before = ticks(); time.sleep(1); after = ticks()
    print("still running, cpu ticks per second:", after - before)
    os.kill(pid, signal.SIGKILL)
    """#

    @Test func theConsoleEndsWhenItsTerminalIsGone() async throws {
        let cli = try CLI()
        var env = ProcessInfo.processInfo.environment
        env["TERM"] = "xterm-256color"
        env["REDIS_URL"] = cli.redisURL
        env["SWISSAGENT_PREFIX"] = cli.prefix
        let python = try #require(TestProcess.which("python3"))
        let r = try await TestProcess.run([python, "-c", Self.harness, try CLI.binary.path, "console", "--refresh", "0.2"],
                                          environment: env)
        #expect(r.text.hasPrefix("exited"), "\(r.text) \(String(decoding: r.stderr, as: UTF8.self))")
    }
}
