/// Every binding, grouped, as the binding table defines them; it scrolls like the detail screen.
enum HelpView {
    /// The help as lines of (key, text), texts wrapped to `width` columns; a section title has no key.
    static func lines(_ state: ConsoleState, width: Int) -> [(key: String?, text: String)] {
        var out: [(key: String?, text: String)] = []
        for (section, keys) in Keymap.help(readOnly: state.readOnly) {
            out.append((nil, section))
            for (key, what) in keys {
                for (i, part) in TextWrap.rows(what, width: max(10, width - 18)).enumerated() { out.append((i == 0 ? key : "", part)) }
            }
        }
        return out
    }

    static func render(_ c: inout Canvas, _ r: Rect, _ state: ConsoleState) {
        let all = lines(state, width: r.width)
        for (i, line) in all.dropFirst(min(state.scroll, max(0, all.count - 1))).prefix(r.height).enumerated() {
            let y = r.y + i
            if let key = line.key {
                c.put(3, y, key, .hintKey, maxWidth: 14)
                c.putTruncated(18, y, line.text, .text, maxWidth: max(0, r.width - 18))
            } else {
                c.put(1, y, line.text, .header)
            }
        }
    }
}
