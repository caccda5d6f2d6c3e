import Foundation

/// What a browser tool points at: a `ref` from the latest snapshot (`e12`), or a CSS selector.
public enum BrowserTarget: Sendable, Equatable {
    case ref(String)
    case selector(String)
}

/// A screenshot as the browser took it.
public struct BrowserScreenshot: Sendable {
    public var png: Data
    public var width: Int
    public var height: Int

    public init(png: Data, width: Int, height: Int) {
        self.png = png
        self.width = width
        self.height = height
    }
}

/// One job's browser: a real Chromium in the job's sandbox, kept for the job's later calls (cookies,
/// history). Every call is bounded by `timeout` seconds; what it reads back is bounded in bytes.
public protocol BrowserControl: Sendable {
    func navigate(_ url: String, timeout: Double) async throws
    func back(timeout: Double) async throws
    /// The page as text a model can act on: URL, title, and its accessibility tree with `[ref=eN]`
    /// handles; at most `maxBytes` (cut, saying so).
    func snapshot(maxBytes: Int, timeout: Double) async throws -> String
    func click(_ target: BrowserTarget, timeout: Double) async throws
    func type(_ target: BrowserTarget, text: String, submit: Bool, timeout: Double) async throws
    func pressKey(_ key: String, timeout: Double) async throws
    /// Until `text` is on the page (or `seconds` have passed, with no text).
    func waitFor(text: String?, seconds: Double?, timeout: Double) async throws
    func screenshot(fullPage: Bool, maxBytes: Int, timeout: Double) async throws -> BrowserScreenshot
}

/// A sandbox session that can run a browser.
public protocol BrowserSession: SandboxSession {
    /// The job's browser, started on the first call (and again when a call needs another network
    /// permission than it has, or after its page crashed). `limits.memoryMB` caps each of its processes.
    func browser(limits: ResourceLimits, network: Bool) async throws -> any BrowserControl
    /// The file URL the browser opens a workspace path (relative, checked) at.
    func workspaceFileURL(_ path: String) async throws -> String
}

/// A browser action that went wrong in a way the model (or the plan's author) can act on.
public struct BrowserError: Error, Sendable, CustomStringConvertible {
    public let description: String
    /// The page crashed: with every process capped, most likely past its memory limit.
    public let crashed: Bool
    public init(_ description: String, crashed: Bool = false) {
        self.description = description
        self.crashed = crashed
    }
}
