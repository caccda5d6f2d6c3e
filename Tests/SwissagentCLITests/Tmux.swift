import Foundation
import TestServers

/// A real terminal: tmux running a command, driven with send-keys and read with capture-pane.
final class Tmux: @unchecked Sendable {
    // `@unchecked Sendable`: `session` is set in init and only read afterwards.
    let session = "swissagent-test-\(UUID().uuidString.prefix(8))"

    init(_ command: [String], env: [String: String], width: Int = 120, height: Int = 40) throws {
        let exports = env.map { "\($0.key)='\($0.value)'" }.joined(separator: " ")
        let line = "env \(exports) TERM=xterm-256color " + command.map { "'\($0)'" }.joined(separator: " ")
        try Self.tmux(["new-session", "-d", "-s", session, "-x", String(width), "-y", String(height), line])
    }

    @discardableResult
    static func tmux(_ args: [String]) throws -> String {
        try TestProcess.runBlocking(["/usr/bin/tmux"] + args, timeout: 10).text
    }

    func send(_ keys: String...) throws { try Self.tmux(["send-keys", "-t", session] + keys) }

    func screen() throws -> String { try Self.tmux(["capture-pane", "-p", "-t", session]) }

    func resize(_ width: Int, _ height: Int) throws {
        try Self.tmux(["resize-window", "-t", session, "-x", String(width), "-y", String(height)])
    }

    /// Waits until the screen satisfies `test`; returns the last screen either way.
    @discardableResult
    func wait(seconds: Double = 60, _ test: (String) -> Bool) async throws -> String {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        var last = ""
        while ContinuousClock.now < deadline {
            last = try screen()
            if test(last) { return last }
            try await Task.sleep(for: .milliseconds(100))
        }
        return last
    }

    func waitFor(_ text: String, seconds: Double = 60) async throws -> Bool {
        try await wait(seconds: seconds) { $0.contains(text) }.contains(text)
    }

    var alive: Bool { ((try? Self.tmux(["has-session", "-t", session])) ?? "").isEmpty == false || hasSession }
    private var hasSession: Bool {
        (try? TestProcess.runBlocking(["/usr/bin/tmux", "has-session", "-t", session], timeout: 10))?.status == 0
    }

    func kill() { _ = try? Self.tmux(["kill-session", "-t", session]) }

    // The session (and the console in it) must not outlive a test that failed half-way.
    deinit { kill() }
}
