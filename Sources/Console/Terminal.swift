/// Where the console draws and reads keys. `CursesTerminal` is the real one; tests can drive the
/// app through tmux instead.
public protocol Terminal: AnyObject {
    var width: Int { get }
    var height: Int { get }
    /// Draws the canvas, touching only rows that changed since the last draw.
    func draw(_ canvas: Canvas)
    /// The next key, or nil after `timeoutMs`.
    func readKey(timeoutMs: Int) -> Key?
    /// The terminal went away (end of file or an I/O error on it, with or without a SIGHUP): the console ends.
    var isGone: Bool { get }
    /// Gives the screen back to the shell (for $EDITOR), and takes it again.
    func suspend()
    func resume()
    func close()
}
