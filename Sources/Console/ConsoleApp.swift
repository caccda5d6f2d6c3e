import AgentCore
import ChildProcess
import Foundation
import Operations

/// The console's loop: keys -> state -> request what the screen needs -> draw the newest data.
/// It runs on a thread of its own (curses calls all happen there); Redis is read by `DataSource` on
/// background tasks, so a slow or absent Redis never freezes the screen.
public final class ConsoleApp: @unchecked Sendable {
    // `@unchecked Sendable`: `state` and `terminal` are only touched on the UI thread; `outcomes` holds `lock`.
    private var state: ConsoleState
    private let source: DataSource
    private let runner: ActionRunner
    private let lock = NSLock()
    private var outcomes: [ActionRunner.Outcome] = []
    private var quitRequested = false

    /// `screen`: the one it opens on.
    public init(source: DataSource, runner: ActionRunner, readOnly: Bool, screen: Screen = .queues) {
        self.source = source
        self.runner = runner
        state = ConsoleState(readOnly: readOnly)
        state.screen = screen
    }

    /// Asks the loop to end (SIGTERM).
    public func quit() { lock.withLock { quitRequested = true } }

    /// Runs the loop on a dedicated thread until the person quits.
    public func run(makeTerminal: @escaping @Sendable () throws -> any Terminal) async throws {
        let poller = Task { await source.run() }
        defer { poller.cancel() }
        try await withCheckedThrowingContinuation { (cont: CheckedContinuation<Void, any Error>) in
            let thread = Thread {
                do {
                    let terminal = try makeTerminal()
                    self.loop(terminal)
                    terminal.close()
                    cont.resume()
                } catch {
                    cont.resume(throwing: error)
                }
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    private func loop(_ terminal: any Terminal) {
        var drawnVersion = -1
        var size = (terminal.width, terminal.height)
        source.want(DataRequest(screen: state.screen, selection: state.selection, filter: state.filter))
        while true {
            if lock.withLock({ quitRequested }) || terminal.isGone { return }
            var dirty = false
            let (data, _) = source.snapshot
            // A screen that streams (output, a transcript) is drawn within 10 ms of its data; the others
            // within 50 ms, which keeps an idle console's wake-ups few.
            let streaming = state.screen.kind == .output || state.screen.kind == .transcript
            if let key = terminal.readKey(timeoutMs: streaming ? 10 : 50) {
                if terminal.isGone { return }
                let (result, action) = Keymap.handle(key, &state, data, height: terminal.height)
                if result.contains(.quit) { return }
                if let action { perform(action) }
                if result.contains(.refetch) { source.poke() }
                dirty = true
            }
            for outcome in lock.withLock({ () -> [ActionRunner.Outcome] in defer { outcomes = [] }; return outcomes }) {
                state.message = (outcome.message, outcome.error)
                if let request = outcome.edit { edit(request.id, spec: request.spec, terminal: terminal) }
                if let fork = outcome.composeFork { composeFork(fork.id, turn: fork.turn, terminal: terminal) }
                if let screen = outcome.goTo { state.go(screen) }
                state.marks = []
                source.poke()
                dirty = true
            }
            if dirty { source.want(DataRequest(screen: state.screen, selection: state.selection, filter: state.filter)) }
            let (fresh, version) = source.snapshot
            let now = (terminal.width, terminal.height)
            // Idle, a tick costs one key poll and one version check: nothing is drawn unless something changed.
            if dirty || version != drawnVersion || now != size {
                size = now
                drawnVersion = version
                terminal.draw(Render.screen(state, fresh, width: now.0, height: now.1))
            }
        }
    }

    /// Hands the action to the runner; its outcome comes back to the loop. The UI never waits on it.
    private func perform(_ action: ConsoleAction) {
        if state.readOnly && action.writesQueue {
            state.message = ("read-only: actions are disabled", true)
            return
        }
        state.message = ("working…", false)
        let runner = runner
        Task {
            let outcome = await runner.run(action)
            self.lock.withLock { self.outcomes.append(outcome) }
        }
    }

    /// Opens $EDITOR on the message a fork says to the model after its copied turns, then asks
    /// before forking (an empty message forks without one).
    private func composeFork(_ id: String, turn: Int, terminal: any Terminal) {
        let template = "\n# The message to say to the model after turn \(turn) of \(id), as the person's.\n"
            + "# Lines starting with # are left out; leave it empty to fork without a message.\n"
        guard let text = editText(template, name: "fork-\(id)", terminal: terminal) else { return }
        let message = text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("#") }
            .joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        _ = Keymap.ask(&state, "Fork job \(id) at turn \(turn)" + (message.isEmpty ? "" : " with your message") + "?",
                       .fork(id: id, turn: turn, message: message.isEmpty ? nil : String(message.prefix(JobFork.maxTextBytes))))
    }

    /// `text` in $EDITOR (the screen is handed over meanwhile); what comes back, or nil when the
    /// editor failed (said on the message line).
    private func editText(_ text: String, name: String, terminal: any Terminal) -> String? {
        let path = NSTemporaryDirectory() + "swissagent-\(name.filter { $0.isLetter || $0.isNumber || $0 == "-" }.prefix(80)).txt"
        guard (try? text.write(toFile: path, atomically: true, encoding: .utf8)) != nil else {
            state.message = ("cannot write \(path)", true)
            return nil
        }
        defer { try? FileManager.default.removeItem(atPath: path) }
        let editor = ProcessInfo.processInfo.environment["VISUAL"] ?? ProcessInfo.processInfo.environment["EDITOR"] ?? "vi"
        terminal.suspend()
        // The editor gets the terminal and nothing else of the console (no Redis socket).
        var status: Int32 = -1
        if let child = try? ChildProcess.Child(["/bin/sh", "-c", "\(editor) \"$0\"", path], environment: ProcessInfo.processInfo.environment,
                                                directory: FileManager.default.currentDirectoryPath, stdin: 0, stdout: 1, stderr: 2),
           case .exited(let code) = child.wait() {
            status = code
        }
        terminal.resume()
        guard status == 0, let back = try? String(contentsOfFile: path, encoding: .utf8) else {
            state.message = ("editor exited with status \(status): nothing done", true)
            return nil
        }
        return back
    }

    /// Opens the spec in $EDITOR (the screen is handed over meanwhile) and, when what comes back
    /// validates and differs, asks the runner to queue it as a new job.
    private func edit(_ id: String, spec pretty: String, terminal: any Terminal) {
        guard let text = editText(pretty + "\n", name: id, terminal: terminal) else { return }
        if text.trimmingCharacters(in: .whitespacesAndNewlines) == pretty.trimmingCharacters(in: .whitespacesAndNewlines) {
            state.message = ("no changes: nothing queued", false)
            return
        }
        do {
            _ = try JobSpecParser().parse(Data(text.utf8))
        } catch {
            state.message = ("not queued: \(error)", true)
            return
        }
        perform(.queueEdited(original: id, specText: text))
    }
}
