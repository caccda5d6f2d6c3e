import Foundation

/// The browser tools, named and shaped as Playwright's MCP server names them (models know these):
/// each drives the job's own Chromium and answers with the page's snapshot after it.
public enum BrowserTools {
    public static let all: [any Tool] = [
        BrowserTool(name: "browser_navigate", summary: "Open a URL (http or https, which needs the step's network) or a page of the workspace (a relative path).",
                    parameters: schema(["url": ("string", "The URL, or a path inside the workspace.")], required: ["url"])) { b, call in
            try await b.navigate(try await call.url(), timeout: call.timeout)
            return nil
        },
        BrowserTool(name: "browser_navigate_back", summary: "Go back to the previous page.", parameters: schema([:], required: [])) { b, call in
            try await b.back(timeout: call.timeout)
            return nil
        },
        BrowserTool(name: "browser_snapshot", summary: "The page as an accessibility tree, with [ref=eN] handles for the other tools.",
                    parameters: schema([:], required: []), snapshotAfter: true) { _, _ in nil },
        BrowserTool(name: "browser_click", summary: "Click an element: its ref from the latest snapshot, or a CSS selector.",
                    parameters: schema(targetFields, required: [])) { b, call in
            try await b.click(try call.target(), timeout: call.timeout)
            return nil
        },
        BrowserTool(name: "browser_type", summary: "Type text into an editable element (ref or selector); submit presses Enter after.",
                    parameters: schema(targetFields.merging(["text": ("string", "The text to type."),
                                                             "submit": ("boolean", "Press Enter after typing.")]) { a, _ in a },
                                       required: ["text"])) { b, call in
            try await b.type(try call.target(), text: call.string("text") ?? "", submit: call.input["submit"]?.boolValue ?? false,
                             timeout: call.timeout)
            return nil
        },
        BrowserTool(name: "browser_press_key", summary: "Press a key (Enter, Tab, ArrowDown, Escape, a letter, ...).",
                    parameters: schema(["key": ("string", "The key's name, as KeyboardEvent.key names it.")], required: ["key"])) { b, call in
            try await b.pressKey(call.string("key") ?? "", timeout: call.timeout)
            return nil
        },
        BrowserTool(name: "browser_wait_for", summary: "Wait until a text appears on the page, or for a number of seconds.",
                    parameters: schema(["text": ("string", "Text to wait for."), "time": ("number", "Seconds to wait.")], required: [])) { b, call in
            let seconds = call.input["time"]?.numberValue
            let text = call.string("text")
            guard text != nil || seconds != nil else { throw BrowserError("give text to wait for, or time in seconds") }
            try await b.waitFor(text: text, seconds: seconds.map { max(0, $0) }, timeout: call.timeout)
            return nil
        },
        BrowserTool(name: "browser_take_screenshot", summary: "Save a PNG of the page in the workspace; the result names the file, its size and dimensions.",
                    parameters: schema(["filename": ("string", "A path inside the workspace (default screenshots/step-N.png)."),
                                        "fullPage": ("boolean", "The whole page rather than the viewport.")], required: []),
                    snapshotAfter: false) { b, call in
            var path = try workspacePath(call.string("filename") ?? "screenshots/step-\(call.context.index + 1).png", step: call.context.index)
            if !path.lowercased().hasSuffix(".png") { path += ".png" }
            let shot = try await b.screenshot(fullPage: call.input["fullPage"]?.boolValue ?? false, maxBytes: call.context.limits.outputBytes * 16,
                                              timeout: call.timeout)
            let written = try await WorkspaceFiles.write(shot.png, to: path, in: call.session, limits: call.context.limits)
            guard written.exitCode == 0 else { throw BrowserError("cannot write \(path) in the workspace") }
            return "Saved the screenshot to \(path) (\(shot.png.count) bytes, \(shot.width)x\(shot.height) pixels)."
        },
    ]

    static let targetFields: [String: (String, String)] = [
        "ref": ("string", "The element's ref from the latest snapshot (e.g. e12)."),
        "selector": ("string", "A CSS selector, when there is no ref."),
    ]

    static func schema(_ fields: [String: (String, String)], required: [String]) -> JSONValue {
        ["type": "object", "additionalProperties": false, "required": .array(required.map { .string($0) }),
         "properties": .object(fields.mapValues { ["type": .string($0.0), "description": .string($0.1)] })]
    }
}

/// One browser call's input, with what every action needs.
struct BrowserCall: Sendable {
    let context: ToolContext
    let session: any BrowserSession
    /// Seconds one action may take: the step's own timeout, else 30 s, never past the step's limit.
    var timeout: Double { min(context.step.timeoutSeconds ?? BrowserTool.actionSeconds, context.limits.wallSeconds) }
    var input: [String: JSONValue] { context.step.input }

    func string(_ key: String) -> String? { input[key]?.stringValue }

    func target() throws -> BrowserTarget {
        if let ref = string("ref"), !ref.isEmpty { return .ref(ref) }
        if let selector = string("selector"), !selector.isEmpty { return .selector(selector) }
        throw BrowserError("give the element's ref (from the latest snapshot) or a CSS selector")
    }

    /// http(s) with the step's network; otherwise a page of the workspace, as a file URL.
    func url() async throws -> String {
        let text = string("url") ?? ""
        let lower = text.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") {
            guard context.network else {
                throw BrowserError("\(text.prefix(200)) needs the network: the step must ask for it (\"network\": true) and the worker allow it")
            }
            return text
        }
        if lower.contains(":") && !lower.hasPrefix("./") {
            throw BrowserError("only http(s) URLs and paths inside the workspace can be opened, not \(text.prefix(100))")
        }
        let path = try workspacePath(text.hasPrefix("./") ? String(text.dropFirst(2)) : text, step: context.index)
        return try await session.workspaceFileURL(path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path)
    }
}

/// A browser tool: runs its action on the job's browser, then answers with the page's snapshot
/// (or the action's own words). A failed action is the step's failure, said as the browser said it.
struct BrowserTool: Tool {
    static let actionSeconds = 30.0

    let name: String
    let summary: String
    let parameters: JSONValue
    var snapshotAfter = true
    let action: @Sendable (any BrowserControl, BrowserCall) async throws -> String?

    init(name: String, summary: String, parameters: JSONValue, snapshotAfter: Bool = true,
         action: @escaping @Sendable (any BrowserControl, BrowserCall) async throws -> String?) {
        self.name = name
        self.summary = summary
        self.parameters = parameters
        self.snapshotAfter = snapshotAfter
        self.action = action
    }

    func run(_ context: ToolContext) async throws -> ExecResult {
        guard let session = context.session as? any BrowserSession else {
            throw JobFailure("step \(context.index + 1): \(name) needs a browser, which this sandbox (\(context.session.label)) does not have",
                             kind: .permanent)
        }
        let start = ContinuousClock.now
        let call = BrowserCall(context: context, session: session)
        var text: String
        do {
            let browser = try await session.browser(limits: context.limits, network: context.network)
            text = try await action(browser, call) ?? ""
            if snapshotAfter {
                text += (text.isEmpty ? "" : "\n") + (try await browser.snapshot(maxBytes: context.limits.outputBytes, timeout: call.timeout))
            }
        } catch let e as BrowserError {
            let said = "\(name): \(e.description)\n"
            context.output(.stderr, said)
            // A crashed page is reported as the step's memory limit, the cap every browser process runs under.
            return ExecResult(exitCode: 1, seconds: (ContinuousClock.now - start).seconds, outputBytes: said.utf8.count,
                              limit: e.crashed ? .memory : nil)
        }
        if !text.hasSuffix("\n") { text += "\n" }
        context.output(.stdout, text)
        return ExecResult(exitCode: 0, seconds: (ContinuousClock.now - start).seconds, outputBytes: text.utf8.count)
    }
}
