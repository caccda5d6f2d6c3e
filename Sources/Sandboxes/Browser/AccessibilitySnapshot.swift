import AgentCore

/// A page's accessibility tree (`Accessibility.getFullAXTree`'s nodes) as text a model can act on,
/// in the shape Playwright's MCP server gives: one line per element, indented by depth, its role,
/// its name, and a `[ref=eN]` handle for the other tools. Wrappers without a name are left out (their
/// children move up); text that only repeats its parent's name is left out too. A hostile page
/// cannot make it loop or recurse without end: nodes are visited once, to a bounded depth and count.
enum AccessibilitySnapshot {
    static let maxDepth = 64
    static let maxLines = 20_000
    /// Roles whose children are the value their line shows.
    static let fields: Set<String> = ["textbox", "searchbox", "combobox", "spinbutton"]
    /// Roles that add nothing a model can use.
    static let silent: Set<String> = ["InlineTextBox", "LineBreak"]
    /// Roles that only group: shown only when they have a name.
    static let wrappers: Set<String> = ["generic", "none", "presentation", "RootWebArea", "WebArea", "group", "LabelText", "paragraph"]

    /// The text, and ref -> backend DOM node id.
    static func render(_ nodes: [JSONValue]) -> (String, [String: Int]) {
        var byID: [String: JSONValue] = [:]
        for n in nodes { if let id = n["nodeId"]?.stringValue { byID[id] = n } }
        guard let root = nodes.first(where: { $0["parentId"] == nil || $0["parentId"] == .null }) ?? nodes.first else { return ("", [:]) }
        var lines: [String] = []
        var refs: [String: Int] = [:]
        var seen = Set<String>()

        func visit(_ node: JSONValue, depth: Int, parentName: String) {
            guard lines.count < maxLines, depth < maxDepth, let id = node["nodeId"]?.stringValue, seen.insert(id).inserted else { return }
            let role = node["role"]?["value"]?.stringValue ?? ""
            let name = oneLine(node["name"]?["value"]?.stringValue ?? "")
            let children = (node["childIds"]?.arrayValue ?? []).compactMap { $0.stringValue.flatMap { byID[$0] } }
            if silent.contains(role) { return }
            let ignored = node["ignored"]?.boolValue ?? false
            if ignored || (wrappers.contains(role) && (name.isEmpty || role == "RootWebArea")) {
                for c in children { visit(c, depth: depth, parentName: name.isEmpty ? parentName : name) }
                return
            }
            let indent = String(repeating: "  ", count: depth)
            if role == "StaticText" {
                if !name.isEmpty && name != parentName { lines.append("\(indent)- text: \(name)") }
                return
            }
            var line = "\(indent)- \(role)"
            if !name.isEmpty { line += " \"\(name.replacingOccurrences(of: "\"", with: "\\\""))\"" }
            for property in node["properties"]?.arrayValue ?? [] {
                let key = property["name"]?.stringValue ?? ""
                let value = property["value"]?["value"]
                if key == "level", let n = value?.numberValue { line += " [level=\(Int(n))]" }
                if ["checked", "disabled", "expanded", "selected"].contains(key), value?.boolValue == true || value?.stringValue == "true" {
                    line += " [\(key)]"
                }
            }
            if let node = node["backendDOMNodeId"]?.numberValue.flatMap({ Int(exactly: $0) }) {
                let ref = "e\(refs.count + 1)"
                refs[ref] = node
                line += " [ref=\(ref)]"
            }
            if let value = node["value"]?["value"]?.stringValue, !value.isEmpty { line += ": \(oneLine(value))" }
            lines.append(line)
            // A field's text is its value, already on its line.
            if fields.contains(role) { return }
            for c in children { visit(c, depth: depth + 1, parentName: name) }
        }
        visit(root, depth: 0, parentName: "")
        if lines.count >= maxLines { lines.append("… (more than \(maxLines) elements; the rest left out)") }
        return (lines.joined(separator: "\n"), refs)
    }

    /// On one line, at most 300 characters.
    static func oneLine(_ s: String) -> String {
        let flat = s.split(whereSeparator: \.isNewline).joined(separator: " ").trimmingCharacters(in: .whitespaces)
        return flat.count > 300 ? String(flat.prefix(299)) + "…" : flat
    }
}
