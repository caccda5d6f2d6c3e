import AgentCore
import Foundation

/// The browser tools' actions on one page of a Chromium driven over `DevToolsPipe`: the same driver
/// for every sandbox that can give it a pipe. Elements are reached by the `ref`s of the latest
/// snapshot (each names a DOM node by its backend id) or by CSS selectors; actions run in the page
/// (a click is the element's own `click()`), then wait for the page to settle.
actor DevToolsBrowser: BrowserControl {
    /// Whether the page has crashed (a new browser is needed).
    nonisolated var crashed: Bool { pipe.hasCrashed(session) }

    let pipe: DevToolsPipe
    let session: String
    /// ref -> backend DOM node id, from the latest snapshot.
    private var refs: [String: Int] = [:]

    private init(pipe: DevToolsPipe, session: String) {
        self.pipe = pipe
        self.session = session
    }

    /// Opens a page on the browser at the other end of `pipe`.
    static func open(_ pipe: DevToolsPipe, timeout: Double) async throws -> DevToolsBrowser {
        let target = try await pipe.call("Target.createTarget", ["url": "about:blank"], timeout: timeout)
        guard let id = target["targetId"]?.stringValue else { throw BrowserError("the browser opened no page") }
        let attached = try await pipe.call("Target.attachToTarget", ["targetId": .string(id), "flatten": true], timeout: timeout)
        guard let session = attached["sessionId"]?.stringValue else { throw BrowserError("the browser gave no session for its page") }
        _ = try await pipe.call("Page.enable", session: session, timeout: timeout)
        // Its crash event fails the page's calls at once, rather than at their deadlines.
        _ = try await pipe.call("Inspector.enable", session: session, timeout: timeout)
        return DevToolsBrowser(pipe: pipe, session: session)
    }

    private func call(_ method: String, _ params: [String: JSONValue] = [:], timeout: Double) async throws -> JSONValue {
        try await pipe.call(method, params, session: session, timeout: timeout)
    }

    /// A JavaScript expression's value (JSON-able values only).
    private func evaluate(_ expression: String, timeout: Double) async throws -> JSONValue {
        let r = try await call("Runtime.evaluate", ["expression": .string(expression), "returnByValue": true, "awaitPromise": true],
                               timeout: timeout)
        if let exception = r["exceptionDetails"] {
            throw BrowserError("the page's script failed: \(exception["exception"]?["description"]?.stringValue ?? exception.jsonString())")
        }
        return r["result"]?["value"] ?? .null
    }

    /// Until the document has loaded, or `timeout` seconds.
    private func settle(timeout: Double, what: String) async throws {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while ContinuousClock.now < deadline {
            if try await evaluate("document.readyState", timeout: timeout).stringValue == "complete" { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw BrowserError("\(what) did not finish loading within \(DevToolsPipe.seconds(timeout)) s")
    }

    func navigate(_ url: String, timeout: Double) async throws {
        let r = try await call("Page.navigate", ["url": .string(url)], timeout: timeout)
        if let error = r["errorText"]?.stringValue, !error.isEmpty { throw BrowserError("could not open \(url.prefix(200)): \(error)") }
        refs = [:]
        try await settle(timeout: timeout, what: String(url.prefix(200)))
    }

    func back(timeout: Double) async throws {
        let history = try await call("Page.getNavigationHistory", timeout: timeout)
        guard let current = history["currentIndex"]?.numberValue.flatMap({ Int(exactly: $0) }), current > 0,
              let entries = history["entries"]?.arrayValue, current - 1 < entries.count,
              let entry = entries[current - 1]["id"] else { throw BrowserError("there is no page to go back to") }
        _ = try await call("Page.navigateToHistoryEntry", ["entryId": entry], timeout: timeout)
        refs = [:]
        try await settle(timeout: timeout, what: "the previous page")
    }

    func snapshot(maxBytes: Int, timeout: Double) async throws -> String {
        let page = try await evaluate("[location.href, document.title]", timeout: timeout).arrayValue ?? []
        let tree = try await call("Accessibility.getFullAXTree", timeout: timeout)
        let (text, refs) = AccessibilitySnapshot.render(tree["nodes"]?.arrayValue ?? [])
        self.refs = refs
        var out = "Page URL: \(page.first?.stringValue ?? "")\nPage Title: \(page.dropFirst().first?.stringValue ?? "")\nPage Snapshot:\n" + text
        if out.utf8.count > maxBytes {
            out = String(decoding: Array(out.utf8.prefix(maxBytes)), as: UTF8.self) + "\n… (the snapshot was cut at \(maxBytes) bytes)"
        }
        return out
    }

    /// The element a target names, as a remote object id.
    private func element(_ target: BrowserTarget, timeout: Double) async throws -> String {
        switch target {
        case .ref(let ref):
            guard let node = refs[ref] else { throw BrowserError("no element [ref=\(ref.prefix(20))] in the latest snapshot: take a snapshot first") }
            let r = try await call("DOM.resolveNode", ["backendNodeId": .number(Double(node))], timeout: timeout)
            guard let id = r["object"]?["objectId"]?.stringValue else { throw BrowserError("[ref=\(ref)] is no longer on the page") }
            return id
        case .selector(let selector):
            let quoted = String(decoding: JSONWriter.write(.string(selector)), as: UTF8.self)
            let r = try await call("Runtime.evaluate", ["expression": .string("document.querySelector(\(quoted))")], timeout: timeout)
            if r["exceptionDetails"] != nil { throw BrowserError("\(selector.prefix(100)) is not a CSS selector") }
            guard let id = r["result"]?["objectId"]?.stringValue else { throw BrowserError("no element matches \(selector.prefix(100))") }
            return id
        }
    }

    private func run(_ function: String, on object: String, timeout: Double) async throws {
        let r = try await call("Runtime.callFunctionOn", ["objectId": .string(object), "functionDeclaration": .string(function),
                                                         "awaitPromise": true], timeout: timeout)
        if let exception = r["exceptionDetails"] {
            throw BrowserError("the page refused: \(exception["exception"]?["description"]?.stringValue ?? exception.jsonString())")
        }
    }

    func click(_ target: BrowserTarget, timeout: Double) async throws {
        let object = try await element(target, timeout: timeout)
        try await run("function() { this.scrollIntoView({block: 'center', inline: 'center'}); this.click(); }", on: object, timeout: timeout)
        try await settle(timeout: timeout, what: "the page after the click")
    }

    func type(_ target: BrowserTarget, text: String, submit: Bool, timeout: Double) async throws {
        let object = try await element(target, timeout: timeout)
        try await run("function() { this.focus(); if ('value' in this) this.value = ''; }", on: object, timeout: timeout)
        _ = try await call("Input.insertText", ["text": .string(text)], timeout: timeout)
        if submit { try await pressKey("Enter", timeout: timeout) }
    }

    func pressKey(_ key: String, timeout: Double) async throws {
        guard !key.isEmpty, key.count <= 32 else { throw BrowserError("name one key, as KeyboardEvent.key names it (Enter, Tab, a)") }
        let (code, text) = Self.keys[key] ?? (key.count == 1 ? (Int(key.uppercased().unicodeScalars.first?.value ?? 0), key) : (0, ""))
        var down: [String: JSONValue] = ["type": .string(text.isEmpty ? "rawKeyDown" : "keyDown"), "key": .string(key),
                                         "windowsVirtualKeyCode": .number(Double(code))]
        if !text.isEmpty { down["text"] = .string(text) }
        _ = try await call("Input.dispatchKeyEvent", down, timeout: timeout)
        _ = try await call("Input.dispatchKeyEvent", ["type": "keyUp", "key": .string(key), "windowsVirtualKeyCode": .number(Double(code))],
                           timeout: timeout)
        try await settle(timeout: timeout, what: "the page after \(key)")
    }

    /// Keys with a virtual key code of their own, and the text they type.
    static let keys: [String: (Int, String)] = [
        "Enter": (13, "\r"), "Tab": (9, ""), "Escape": (27, ""), "Backspace": (8, ""), "Delete": (46, ""), " ": (32, " "),
        "ArrowLeft": (37, ""), "ArrowUp": (38, ""), "ArrowRight": (39, ""), "ArrowDown": (40, ""), "Home": (36, ""), "End": (35, ""),
        "PageUp": (33, ""), "PageDown": (34, ""),
    ]

    func waitFor(text: String?, seconds: Double?, timeout: Double) async throws {
        if let text {
            let quoted = String(decoding: JSONWriter.write(.string(text)), as: UTF8.self)
            let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
            while ContinuousClock.now < deadline {
                if try await evaluate("!!document.body && document.body.innerText.includes(\(quoted))", timeout: timeout).boolValue == true { return }
                try await Task.sleep(for: .milliseconds(100))
            }
            throw BrowserError("\"\(text.prefix(100))\" did not appear within \(DevToolsPipe.seconds(timeout)) s")
        }
        if let seconds {
            // In steps, so a page that crashes meanwhile ends the wait at once.
            let until = ContinuousClock.now + .milliseconds(Int(min(seconds, timeout) * 1000))
            while ContinuousClock.now < until {
                if crashed { throw BrowserError(DevToolsPipe.crash, crashed: true) }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    func screenshot(fullPage: Bool, maxBytes: Int, timeout: Double) async throws -> BrowserScreenshot {
        let r = try await call("Page.captureScreenshot", ["format": "png", "captureBeyondViewport": .bool(fullPage)], timeout: timeout)
        guard let encoded = r["data"]?.stringValue else { throw BrowserError("the browser took no screenshot") }
        guard encoded.utf8.count / 4 * 3 <= maxBytes else { throw BrowserError("the screenshot is over its \(maxBytes)-byte limit") }
        guard let png = Data(base64Encoded: encoded), png.count > 24 else { throw BrowserError("the browser's screenshot is not a PNG") }
        // The PNG's IHDR chunk: width and height, big-endian, at bytes 16 and 20.
        func be32(_ at: Int) -> Int { png[png.startIndex + at..<png.startIndex + at + 4].reduce(0) { $0 << 8 | Int($1) } }
        return BrowserScreenshot(png: png, width: be32(16), height: be32(20))
    }
}
