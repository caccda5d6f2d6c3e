import AgentCore
import ChildProcess
import Foundation

extension LocalSandboxProvider {
    /// Whether jobs here get the browser tools: a Chromium is installed.
    public static var browserInstalled: Bool { ChromiumBinary.found != nil }
}

/// Where Debian's Chromium is (`chromium-headless-shell`, or the full `chromium`), or
/// `SWISSAGENT_CHROMIUM`.
enum ChromiumBinary {
    static let found: String? = {
        let env = ProcessInfo.processInfo.environment["SWISSAGENT_CHROMIUM"].map { [$0] } ?? []
        return (env + ["/usr/bin/chromium-headless-shell", "/usr/lib/chromium/chromium-headless-shell", "/usr/bin/chromium"])
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Headless, driven over the pipe only. Chromium's own sandbox is off: it needs namespaces the
    /// job's bubblewrap sandbox, which holds the whole browser, does not give it.
    static let flags = ["--headless", "--no-sandbox", "--remote-debugging-pipe", "--user-data-dir=/tmp/.browser-profile", "--disable-gpu",
                        "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
                        "--disable-sync", "--mute-audio", "--hide-scrollbars", "--window-size=1280,720"]
}

/// A job's Chromium in the local sandbox: started on its first browser call (inside the job's
/// bubblewrap sandbox, as the job's uid), kept for the job's later calls, killed with the job.
/// A call that needs another network permission than the running browser has (or that comes after
/// its page crashed) gets a new browser.
actor LocalBrowser {
    private var running: (child: ChildProcess.Child, pipe: DevToolsPipe, page: DevToolsBrowser, network: UserModeNetwork?, networked: Bool)?
    private var closed = false

    /// Seconds the browser has to start and open its page.
    static let startSeconds = 60.0

    /// `argv`: the browser's command line in its sandbox; `network`: the user-mode network to attach
    /// once the sandbox is up (nil: none).
    func page(argv: [String], networked: Bool, network: UserModeNetwork?) async throws -> DevToolsBrowser {
        if let running {
            if running.networked == networked && !running.page.crashed { return running.page }
            await stop()
        }
        guard !closed else { throw BrowserError("the job's sandbox is closed") }
        let toBrowser = try ChildProcess.pipe(), fromBrowser = try ChildProcess.pipe()
        guard let devNull = FileHandle(forUpdatingAtPath: "/dev/null") else { throw BrowserError("cannot open /dev/null") }
        // The browser reads the driver on its descriptor 3 and answers on 4; nothing else of the worker reaches it.
        let child = try ChildProcess.Child(argv, environment: [:], directory: "/", stdin: devNull.fileDescriptor,
                                           stdout: devNull.fileDescriptor, stderr: devNull.fileDescriptor,
                                           extra: [toBrowser.read.fileDescriptor, fromBrowser.write.fileDescriptor])
        try? toBrowser.read.close()
        try? fromBrowser.write.close()
        try? devNull.close()
        let pipe = DevToolsPipe.overHandles(toBrowser: toBrowser.write, fromBrowser: fromBrowser.read)
        do {
            try network?.attach(sandboxPID: child.pid)
            let page = try await DevToolsBrowser.open(pipe, timeout: Self.startSeconds)
            running = (child, pipe, page, network, networked)
            return page
        } catch {
            child.signal(SIGKILL)
            pipe.close("the browser did not start")
            network?.detach()
            _ = await Task.detached { child.wait() }.value
            throw BrowserError("the browser did not start: \(error)")
        }
    }

    /// Kills the browser (its whole sandbox: bubblewrap's pid namespace ends with it).
    func stop() async {
        guard let running else { return }
        self.running = nil
        running.child.signal(SIGKILL)
        running.pipe.close("the browser was stopped")
        _ = await Task.detached { running.child.wait() }.value
        running.network?.detach()
    }

    /// Stops the browser for good: the job's sandbox is closing.
    func close() async {
        closed = true
        await stop()
    }
}
