import AgentCore
import ArgumentParser
import CommandOptions
import Foundation
import Sandboxes

/// `bench browser`: the browser tools' costs in the local sandbox, each the median of a few jobs.
struct BenchBrowser: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "browser",
        abstract: "Time a job's browser in the local sandbox: start, navigate to a page of the workspace, snapshot, screenshot; and the memory it adds.")

    @Option(help: "Jobs to measure (each starts its own browser).")
    var jobs = 5

    func run() async throws {
        let provider = try LocalSandboxProvider()
        var start: [Double] = [], navigate: [Double] = [], snapshot: [Double] = [], screenshot: [Double] = [], memory: [Double] = []
        let page = "<html><head><title>Bench</title></head><body><h1>A form</h1><form><label for=n>Name</label><input id=n>"
            + "<button>Go</button></form>" + (0..<200).map { "<p>Paragraph \($0) of some text.</p>" }.joined() + "</body></html>"
        for _ in 0..<max(1, jobs) {
            let session = try await provider.open(jobID: "bench-browser-\(JobID.make())", env: [:])
            do {
                guard let browsing = session as? any BrowserSession else { throw CLIError("the local sandbox has no browser") }
                _ = try await WorkspaceFiles.write(Data(page.utf8), to: "bench.html", in: session, limits: ResourceLimits())
                var t = ContinuousClock.now
                let browser = try await browsing.browser(limits: ResourceLimits(), network: false)
                start.append((ContinuousClock.now - t).seconds)
                t = .now
                try await browser.navigate("file:///workspace/bench.html", timeout: 30)
                navigate.append((ContinuousClock.now - t).seconds)
                t = .now
                _ = try await browser.snapshot(maxBytes: 1 << 20, timeout: 30)
                snapshot.append((ContinuousClock.now - t).seconds)
                t = .now
                _ = try await browser.screenshot(fullPage: false, maxBytes: 16 << 20, timeout: 30)
                screenshot.append((ContinuousClock.now - t).seconds)
                memory.append(Self.browserMemoryMB())
            } catch {
                await session.close()
                throw error
            }
            await session.close()
        }
        func ms(_ v: [Double]) -> String { String(format: "%.0f ms", (v.sorted()[v.count / 2]) * 1000) }
        print("  browser start (to its first page)   \(ms(start))")
        print("  navigate to a page of the workspace  \(ms(navigate))")
        print("  snapshot (accessibility tree)        \(ms(snapshot))")
        print("  screenshot (1280x720 PNG)            \(ms(screenshot))")
        print(String(format: "  memory the browser adds to a job     %.0f MB (proportional set size of its processes, median of %d)",
                     memory.sorted()[memory.count / 2], memory.count))
    }

    /// The proportional set size of every Chromium this process started, in MB.
    static func browserMemoryMB() -> Double {
        let me = getpid()
        let pids = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { Int32($0) }
        var parent: [Int32: Int32] = [:]
        for p in pids {
            guard let stat = try? String(contentsOfFile: "/proc/\(p)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let pp = Int32(fields[1]) { parent[p] = pp }
        }
        func mine(_ p: Int32) -> Bool {
            var at = p
            for _ in 0..<64 { guard let up = parent[at] else { return false }; if up == me { return true }; at = up }
            return false
        }
        var kB = 0
        for p in pids where mine(p) {
            guard let cmd = try? String(contentsOfFile: "/proc/\(p)/cmdline", encoding: .utf8), cmd.contains("remote-debugging-pipe"),
                  let rollup = try? String(contentsOfFile: "/proc/\(p)/smaps_rollup", encoding: .utf8),
                  let line = rollup.split(separator: "\n").first(where: { $0.hasPrefix("Pss:") }) else { continue }
            kB += Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
        }
        return Double(kB) / 1024
    }
}
