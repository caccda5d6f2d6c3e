import ChildProcess
import Foundation

/// Runs a short host tool (ip, nsenter, getent) to its end and captures its output.
enum HelperCommand {
    struct Result {
        var status: ChildProcess.Termination
        var output: String
        var ok: Bool { status == .exited(0) }
    }

    static func run(_ argv: [String], input: String = "") throws -> Result {
        let inPipe = try ChildProcess.pipe(), outPipe = try ChildProcess.pipe()
        let child = try ChildProcess.Child(argv, environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"], directory: "/",
                                           stdin: inPipe.read.fileDescriptor, stdout: outPipe.write.fileDescriptor,
                                           stderr: outPipe.write.fileDescriptor)
        try? inPipe.read.close()
        try? outPipe.write.close()
        try? inPipe.write.write(contentsOf: Data(input.utf8))
        try? inPipe.write.close()
        let output = outPipe.read.readDataToEndOfFile()
        return Result(status: child.wait(), output: String(decoding: output.prefix(1 << 20), as: UTF8.self))
    }
}
