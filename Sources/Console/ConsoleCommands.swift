import AgentCore

/// One `:` command: the words that name it, its argument, what it does.
public struct ConsoleCommand: Sendable {
    public let names: [String]
    /// "ID", "PATH", or "[QUEUE]" when optional; nil when it takes none.
    public let argument: String?
    /// Listed where space is short (the command line's hint, the unknown-command message).
    public let brief: Bool
    public let writes: Bool
    let run: @Sendable (String?, inout ConsoleState) -> (KeyResult, ConsoleAction?)

    var required: Bool { argument.map { !$0.hasPrefix("[") } ?? false }
    public var usage: String { ":" + names[0] + (argument.map { " " + $0 } ?? "") }
}

/// Every `:` command; the hint, the help screen and the unknown-command message are read from here.
public enum ConsoleCommands {
    static func go(_ screen: Screen) -> @Sendable (String?, inout ConsoleState) -> (KeyResult, ConsoleAction?) {
        { _, s in s.go(screen); return ([.redraw, .refetch], nil) }
    }

    public static let table: [ConsoleCommand] = [
        ConsoleCommand(names: ["queues", "home"], argument: nil, brief: true, writes: false, run: go(.queues)),
        ConsoleCommand(names: ["job"], argument: "ID", brief: true, writes: false) { arg, s in
            s.go(.detail(id: arg ?? "")); return ([.redraw, .refetch], nil)
        },
        ConsoleCommand(names: ["transcript"], argument: "ID", brief: true, writes: false) { arg, s in
            s.go(.transcript(id: arg ?? "")); return ([.redraw, .refetch], nil)
        },
        ConsoleCommand(names: ["workers"], argument: nil, brief: true, writes: false, run: go(.workers)),
        ConsoleCommand(names: ["tail", "output"], argument: "[ID]", brief: true, writes: false) { arg, s in
            s.go(.output(id: arg)); return ([.redraw, .refetch], nil)
        },
        ConsoleCommand(names: ["groups", "errors"], argument: "[QUEUE]", brief: true, writes: false) { arg, s in
            s.go(.groups(queue: arg)); return ([.redraw, .refetch], nil)
        },
        ConsoleCommand(names: ["awaiting", "approvals"], argument: "[QUEUE]", brief: true, writes: false) { arg, s in
            s.go(.approvals(queue: arg)); return ([.redraw, .refetch], nil)
        },
        ConsoleCommand(names: ["submit"], argument: "PATH", brief: true, writes: true) { arg, _ in
            ([.redraw, .refetch], .submit(path: arg ?? ""))
        },
        ConsoleCommand(names: ["help"], argument: nil, brief: false, writes: false, run: go(.help)),
        ConsoleCommand(names: ["q", "quit"], argument: nil, brief: true, writes: false) { _, _ in (.quit, nil) },
    ] + Screen.cycle.map { state in
        ConsoleCommand(names: [state.rawValue], argument: "[QUEUE]", brief: state == .failed, writes: false) { arg, s in
            s.go(.jobs(queue: arg, state: state)); return ([.redraw, .refetch], nil)
        }
    }

    /// The commands as one line: the brief ones, or all.
    public static func usage(brief: Bool) -> String {
        table.filter { !brief || $0.brief }.map { brief ? ":" + $0.names[0] + ($0.required ? " " + ($0.argument ?? "") : "") : $0.usage }
            .joined(separator: " ")
    }

    /// Runs a command line.
    static func run(_ line: String, _ s: inout ConsoleState) -> (KeyResult, ConsoleAction?) {
        let words = line.split(separator: " ", maxSplits: 1).map(String.init)
        let arg = words.count > 1 ? words[1].trimmingCharacters(in: .whitespaces) : nil
        guard let command = table.first(where: { $0.names.contains(words.first ?? "") }) else {
            s.message = ("unknown command :\(line) (try \(usage(brief: true)))", true)
            return (.redraw, nil)
        }
        if command.required && (arg ?? "").isEmpty {
            s.message = ("usage: \(command.usage)", true)
            return (.redraw, nil)
        }
        if command.writes && Keymap.refuseIfReadOnly(&s) { return (.redraw, nil) }
        return command.run(arg, &s)
    }
}
