/// Every key, grouped, as the keymap defines them.
enum HelpView {
    static func render(_ c: inout Canvas, _ r: Rect, _ state: ConsoleState) {
        var y = r.y
        let colWidth = min(r.width, 60)
        for (section, keys) in Keymap.help(readOnly: state.readOnly) {
            if y >= r.y + r.height { break }
            c.put(1, y, section, .header)
            y += 1
            for (key, what) in keys {
                if y >= r.y + r.height { break }
                c.put(3, y, key, .hintKey, maxWidth: 14)
                c.putTruncated(18, y, what, .text, maxWidth: max(0, colWidth - 18))
                y += 1
            }
        }
    }
}
