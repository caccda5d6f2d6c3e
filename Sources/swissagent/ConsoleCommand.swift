import AgentCore
import ArgumentParser
import CommandOptions
import Console
import Foundation
import Logging
import Operations
import Redis
import RedisQueue

struct ConsoleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "The operations console: queues, jobs, output and workers, live; requeue, cancel, run jobs here.",
        discussion: "Keys are listed on the hint bar and under ?. NO_COLOR or a terminal without colours gives the mono theme.")

    @OptionGroup var global: GlobalOptions
    // Jobs run here run as a worker with these options runs them: the same flags, the same defaults.
    @OptionGroup(title: "Sandbox (for jobs run here)") var sandbox: SandboxOptions
    @OptionGroup(title: "Models (for task jobs run here)") var models: ModelOptions
    @OptionGroup(title: "Approvals (for jobs run here)") var approvals: ApprovalOptions

    @Flag(help: "Watch only: every action is hidden and refused.")
    var readOnly = false

    @Option(help: "A theme name (default, light, high-contrast, mono) or a theme file.")
    var theme = ProcessInfo.processInfo.environment["SWISSAGENT_THEME"] ?? "default"

    @Option(help: "Seconds between refreshes of the numbers.")
    var refresh: Double = 1

    func validate() throws {
        guard refresh >= 0.1 else { throw ValidationError("--refresh must be at least 0.1") }
    }

    /// Where theme names are looked up: $SWISSAGENT_THEMES, ./themes, beside the binary, the system.
    static var themePaths: [String] {
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        return [ProcessInfo.processInfo.environment["SWISSAGENT_THEMES"], FileManager.default.currentDirectoryPath + "/themes",
                exe.appendingPathComponent("themes").path, exe.appendingPathComponent("../../../themes").standardized.path,
                exe.appendingPathComponent("../share/swissagent/themes").standardized.path, "/usr/share/swissagent/themes"]
            .compactMap { $0 }
    }

    func run() async throws {
        let chosen: Theme
        do { chosen = try Theme.load(theme, searchPaths: Self.themePaths) } catch { throw CLIError("\(error)") }
        for warning in chosen.warnings { printError("theme: \(warning)") }
        let queue = try global.makeQueue(label: "console")
        let source = DataSource(queue: queue)
        source.interval = refresh
        let files = JobFiles(store: try global.makeArtifacts())
        source.files = files
        var logger = Logger(label: "swissagent.console.local")
        logger.logLevel = .critical  // the screen is the terminal: nothing may print over it
        // No sandbox on this machine (bubblewrap missing): the console still watches, and says so on "run here".
        let config = try global.redisConfig()
        let router = try? await sandbox.makeRouter(owner: global.prefix, blockedHosts: { config.hosts + RedisHostsSeen.hosts })
        let local = try router.map {
            RunHere(queue: queue.withNewConnection(label: "console-local"),
                    processor: try sandbox.makeProcessor(router: $0, models: models, approvals: approvals, logger: logger,
                                                         artifacts: try global.makeArtifacts()))
        }
        let app = ConsoleApp(source: source, runner: ActionRunner(queue: queue.withNewConnection(label: "console-actions"), local: local, files: files),
                             readOnly: readOnly)
        let signals = SignalWatcher([SIGTERM, SIGHUP]) { _ in app.quit() }
        defer { signals.cancel() }
        do {
            try await app.run { try CursesTerminal(theme: chosen) }
        } catch let e as ConsoleError {
            throw CLIError(e.description)
        }
    }
}
