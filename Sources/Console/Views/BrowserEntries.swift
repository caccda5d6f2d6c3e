import AgentCore
import Foundation

/// Browser calls on the transcript screen, compactly: the action and its target on one line instead
/// of the call's JSON, and a result's page as "title · URL" before its snapshot (which folds).
enum BrowserEntries {
    static func isBrowser(_ tool: String?) -> Bool { tool?.hasPrefix("browser_") ?? false }

    /// "browser_click e3", "browser_type #name "Ada" ⏎", "browser_navigate site/index.html".
    static func call(_ tool: String, _ arguments: String) -> String {
        guard let input = (try? JSONValue.parse(Data(arguments.utf8)))?.objectValue else { return tool + " " + arguments }
        func s(_ key: String) -> String? { input[key]?.stringValue.map { Fmt.oneLine($0) } }
        var words = [tool]
        if let url = s("url") { words.append(url) }
        if let target = s("ref") ?? s("selector") { words.append(target) }
        if let text = s("text") { words.append("\"\(text)\"") }
        if input["submit"]?.boolValue == true { words.append("⏎") }
        if let key = s("key") { words.append(key) }
        if let time = input["time"]?.numberValue { words.append("\(HumanText.duration(time))") }
        if let file = s("filename") { words.append(file) }
        if input["fullPage"]?.boolValue == true { words.append("(full page)") }
        return words.joined(separator: " ")
    }

    /// A snapshot's "Page URL:" and "Page Title:" lines as one, "Page Snapshot:" dropped.
    static func result(_ text: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let u = lines.firstIndex(where: { $0.hasPrefix("Page URL: ") }), let t = lines.firstIndex(where: { $0.hasPrefix("Page Title: ") }),
              t == u + 1 else { return text }
        let url = String(lines[u].dropFirst("Page URL: ".count)), title = String(lines[t].dropFirst("Page Title: ".count))
        lines.replaceSubrange(u...t, with: [(title.isEmpty ? "" : title + " · ") + url])
        if lines.indices.contains(u + 1), lines[u + 1] == "Page Snapshot:" { lines.remove(at: u + 1) }
        return lines.joined(separator: "\n")
    }
}
