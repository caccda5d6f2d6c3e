/// Word wrapping by terminal columns: lines break at spaces, a word wider than the line is cut.
enum TextWrap {
    /// The rows `text` takes at `width` columns; each line of the text starts a row (an empty line
    /// stays one), and spaces inside a line (an indent) are kept.
    static func rows(_ text: String, width: Int) -> [String] {
        guard width > 0 else { return [] }
        var rows: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var current = "", used = 0, started = false
            for word in line.split(separator: " ", omittingEmptySubsequences: false) {
                if started {
                    if used + 1 + word.terminalWidth <= width {
                        current += " "
                        used += 1
                    } else {
                        rows.append(current)
                        current = ""
                        used = 0
                    }
                }
                started = true
                var rest = Substring(word)
                while used + rest.terminalWidth > width {
                    // What does not fit on a line of its own is cut.
                    var piece = ""
                    while let ch = rest.first, used + ch.terminalWidth <= width { piece.append(ch); used += ch.terminalWidth; rest.removeFirst() }
                    if piece.isEmpty && used == 0, let ch = rest.first { piece.append(ch); rest.removeFirst() }
                    rows.append(current + piece)
                    current = ""
                    used = 0
                }
                current += rest
                used += rest.terminalWidth
            }
            rows.append(current)
        }
        return rows
    }
}
