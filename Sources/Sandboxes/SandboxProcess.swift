import AgentCore
import ChildProcess
import Foundation

/// Runs one sandboxed command: streams its output, enforces the wall-clock and output limits from
/// outside, and kills the whole tree (bubblewrap's pid namespace dies with it) on a limit or on cancel.
final class SandboxProcess: @unchecked Sendable {
    // `@unchecked Sendable`: `limitHit`, `outputBytes`, `stderrTail` and `child` are only touched while holding `lock`.
    private let lock = NSLock()
    private let argv: [String]
    private var child: ChildProcess.Child?
    private let limits: ResourceLimits
    private let output: OutputHandler
    private let disk: DiskWatch?
    private let network: UserModeNetwork?
    private var limitHit: LimitKind?
    private var outputBytes = 0
    private var stderrTail: [UInt8] = []

    /// The directory a command's files are counted in, and what they may take.
    struct DiskWatch: Sendable {
        var path: String
        var limitBytes: Int64
    }

    init(argv: [String], limits: ResourceLimits, disk: DiskWatch? = nil, network: UserModeNetwork? = nil,
         output: @escaping OutputHandler) {
        self.argv = argv
        self.network = network
        self.limits = limits
        self.disk = disk
        self.output = output
    }

    func run(stdin: Data?) async throws -> ExecResult {
        let start = ContinuousClock.now
        let child: ChildProcess.Child
        let outPipe, errPipe, inPipe: (read: FileHandle, write: FileHandle)
        do {
            outPipe = try ChildProcess.pipe()
            errPipe = try ChildProcess.pipe()
            inPipe = try ChildProcess.pipe()
            // Nothing of the worker reaches the sandbox: no environment, no descriptor but the three pipes.
            child = try ChildProcess.Child(argv, environment: [:], directory: "/", stdin: inPipe.read.fileDescriptor,
                                           stdout: outPipe.write.fileDescriptor, stderr: errPipe.write.fileDescriptor)
        } catch {
            throw SandboxError("cannot start the sandbox: \(error)", retryable: false)
        }
        lock.withLock { self.child = child }
        // The child holds its own copies now; ours must close or the readers never see the end.
        try? outPipe.write.close()
        try? errPipe.write.close()
        try? inPipe.read.close()
        defer { network?.detach() }
        if let network {
            do {
                try network.attach(sandboxPID: child.pid)
            } catch {
                // A sandbox that ended before its network was up failed by itself (bubblewrap's own
                // error): its result below says why. One still running cannot go on without a network.
                let ended = await Task.detached { () -> Bool in
                    for _ in 0..<20 where child.termination == nil { usleep(10_000) }
                    return child.termination != nil
                }.value
                if !ended {
                    child.signal(SIGKILL)
                    _ = await Task.detached { child.wait() }.value
                    throw error
                }
            }
        }
        let readers = DispatchGroup()
        read(outPipe.read, stream: .stdout, group: readers)
        read(errPipe.read, stream: .stderr, group: readers)
        Thread.detachNewThread {
            if let stdin { try? inPipe.write.write(contentsOf: stdin) }
            try? inPipe.write.close()
        }
        let deadline = DispatchWorkItem { [weak self] in self?.kill(because: .time) }
        DispatchQueue.global().asyncAfter(deadline: .now() + limits.wallSeconds, execute: deadline)
        if let disk { watch(disk, child: child) }

        await withTaskCancellationHandler {
            await withCheckedContinuation { (cont: CheckedContinuation<Void, Never>) in
                Thread.detachNewThread {
                    _ = child.wait()
                    readers.wait()
                    cont.resume()
                }
            }
        } onCancel: {
            child.signal(SIGKILL)
        }
        deadline.cancel()
        let elapsed = ContinuousClock.now - start
        if Task.isCancelled { throw CancellationError() }

        let (signaled, status): (Bool, Int32) = switch child.wait() {
        case .signaled(let sig): (true, sig)
        case .exited(let code): (false, code)
        }
        // Files written in the last moments count too: the step fails with the disk limit it broke.
        let overDisk = disk.map { DiskUsage.bytes(under: $0.path) > $0.limitBytes } ?? false
        return lock.withLock {
            var limit = limitHit
            if limit == nil, overDisk { limit = .disk }
            let seconds = elapsed.seconds
            // bwrap reports a command killed by signal n as exit status 128 + n. RLIMIT_CPU sends SIGXCPU
            // at the soft limit and SIGKILL a second later; nothing else here kills with those.
            let killedBy = signaled ? status : (status > 128 ? status - 128 : 0)
            if limit == nil, let cpu = limits.cpuSeconds, killedBy == SIGXCPU || (killedBy == SIGKILL && seconds >= Double(cpu)) {
                limit = .cpu
            }
            // No file may be bigger than the disk limit (RLIMIT_FSIZE), and writing past it raises SIGXFSZ.
            if limit == nil, limits.diskMB != nil, killedBy == SIGXFSZ { limit = .disk }
            if limit == nil, status != 0, Self.looksLikeForkFailure(stderrTail) { limit = .processes }
            if limit == nil, status != 0, Self.looksLikeMemory(stderrTail) { limit = .memory }
            return ExecResult(exitCode: signaled ? 128 + status : status, signal: signaled ? status : nil,
                              seconds: seconds,
                              outputBytes: outputBytes, limit: limit)
        }
    }

    private func read(_ handle: FileHandle, stream: OutputEvent.Stream, group: DispatchGroup) {
        group.enter()
        Thread.detachNewThread { [self] in
            var chunker = UTF8Chunker()
            while true {
                let data = handle.availableData
                if data.isEmpty { break }
                let allowed = accept(Array(data), stream: stream)
                if !allowed.isEmpty { output(stream, chunker.text(allowed)) }
            }
            let rest = chunker.flush()
            if !rest.isEmpty { output(stream, rest) }
            group.leave()
        }
    }

    /// Counts output against the limit; returns the part that may be forwarded.
    private func accept(_ bytes: [UInt8], stream: OutputEvent.Stream) -> [UInt8] {
        let (allowed, over, forkFailing) = lock.withLock { () -> ([UInt8], Bool, Bool) in
            if limitHit != nil { return ([], false, false) }
            let room = max(0, limits.outputBytes - outputBytes)
            let allowed = bytes.count <= room ? bytes : Array(bytes.prefix(room))
            outputBytes += allowed.count
            var forkFailing = false
            if stream == .stderr {
                stderrTail = Array((stderrTail + allowed).suffix(4096))
                forkFailing = Self.looksLikeForkFailure(allowed)
            }
            return (allowed, bytes.count > room, forkFailing)
        }
        if over { kill(because: .output) }
        // A fork bomb spins on failing forks until its time runs out: stop it at its process limit.
        if forkFailing && limits.processes != nil { kill(because: .processes) }
        return allowed
    }

    /// Counts the command's files while it runs, and kills it once they exceed the disk limit. The
    /// count walks the tree, so it runs at most a fifth of the time (and every 100 ms at most).
    private func watch(_ disk: DiskWatch, child: ChildProcess.Child) {
        Thread.detachNewThread { [self] in
            while child.termination == nil {
                let start = ContinuousClock.now
                if DiskUsage.bytes(under: disk.path) > disk.limitBytes {
                    kill(because: .disk)
                    return
                }
                let took = ContinuousClock.now - start
                Thread.sleep(forTimeInterval: max(0.1, took.seconds * 4))
            }
        }
    }

    private func kill(because limit: LimitKind) {
        lock.withLock {
            guard limitHit == nil, let child else { return }
            // A deadline that fires after the command ended is not a limit it hit; output read after
            // the exit still counts against the output limit.
            if child.signal(SIGKILL) || limit != .time { limitHit = limit }
        }
    }

    static func looksLikeForkFailure(_ bytes: [UInt8]) -> Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        if text.contains("fork: retry") || text.contains("Cannot fork") || text.contains("can't fork") { return true }
        // Python: "os.fork()" ... "BlockingIOError: [Errno 11] Resource temporarily unavailable"
        return text.contains("fork") && text.contains("Resource temporarily unavailable")
    }

    static func looksLikeMemory(_ bytes: [UInt8]) -> Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        return ["MemoryError", "Cannot allocate memory", "out of memory", "bad_alloc", "heap out of memory", "memory exhausted"]
            .contains { text.contains($0) }
    }
}
