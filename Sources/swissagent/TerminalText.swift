import ArgumentParser
import Foundation

/// Text that came from a job (its error, tenant, metadata, output) is untrusted: printed raw, an
/// escape sequence in it retitles, clears or rewrites the terminal of whoever reads it. Printed
/// through here, every control character shows as what it is ("\x1b[2J"), unless --raw asks for
/// the bytes as they are (for pipes).
enum TerminalText {
    /// `text` with C0 and C1 controls, DEL and bidirectional overrides written out as escapes;
    /// newlines (and tabs) stay when `lines` is true.
    static func visible(_ text: String, lines: Bool = true) -> String {
        guard text.unicodeScalars.contains(where: { needsEscape($0, lines: lines) }) else { return text }
        var out = String.UnicodeScalarView()
        for u in text.unicodeScalars {
            if needsEscape(u, lines: lines) {
                let hex = String(u.value, radix: 16)
                out.append(contentsOf: (u.value < 0x100 ? "\\x" + (hex.count == 1 ? "0" + hex : hex) : "\\u{\(hex)}").unicodeScalars)
            } else {
                out.append(u)
            }
        }
        return String(out)
    }

    /// JSON text with C1 controls and bidirectional overrides escaped too (JSON encoders escape only
    /// C0): the same JSON value, safe on a terminal.
    static func json(_ json: String) -> String {
        guard json.unicodeScalars.contains(where: { needsEscape($0, lines: true) }) else { return json }
        var out = String.UnicodeScalarView()
        for u in json.unicodeScalars {
            if u.value >= 0x7F, needsEscape(u, lines: true) {
                out.append(contentsOf: String(format: "\\u%04x", u.value).unicodeScalars)
            } else {
                out.append(u)
            }
        }
        return String(out)
    }

    static func needsEscape(_ u: Unicode.Scalar, lines: Bool) -> Bool {
        let v = u.value
        if v == 0x0A || v == 0x09 { return !lines }
        return v < 0x20 || (0x7F...0x9F).contains(v) || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
            || v == 0x200E || v == 0x200F || v == 0x061C
    }
}

/// `--raw`, for commands that print text that came from jobs.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print text that came from jobs exactly as stored (for pipes); by default control characters are shown as escapes.")
    var raw = false

    /// Prints a line to standard output.
    func say(_ text: String) { write(text + "\n", to: .standardOutput) }

    /// Prints a line to standard error.
    func warn(_ text: String) { write(text + "\n", to: .standardError) }

    /// Prints JSON: always safe, since escaping changes no value.
    func json(_ text: String) { write(TerminalText.json(text) + "\n", to: .standardOutput, escaped: true) }

    func write(_ text: String, to handle: FileHandle, escaped: Bool = false) {
        Output.write(Data((raw || escaped ? text : TerminalText.visible(text)).utf8), to: handle)
    }
}

/// Every write to standard output or error. A reader that went away (`| head`) ends the command
/// quietly, with the status a SIGPIPE would give, rather than a crash report.
enum Output {
    static func write(_ data: Data, to handle: FileHandle) {
        do { try handle.write(contentsOf: data) } catch {
            if handle === FileHandle.standardOutput { exit(141) }
        }
    }
}
