import Foundation

/// What a job's files take on disk, counted from outside the sandbox: every file rounded up to
/// whole 4 KiB blocks and every entry at least one block, so a million empty files count too.
enum DiskUsage {
    static let block: Int64 = 4096

    /// Bytes under `path`. A directory the job made unreadable is opened up first (the worker owns
    /// it, or is root), so nothing can be hidden from the count.
    static func bytes(under path: String) -> Int64 {
        var total: Int64 = 0
        walk(path, openingUp: { access($0, R_OK | X_OK) != 0 }) { st in
            total += max(block, (Int64(st.st_size) + block - 1) / block * block)
        }
        return total
    }

    /// Gives the owner read, write and search permission on every directory of a tree.
    static func openUp(_ path: String) {
        walk(path, openingUp: { _ in true }) { _ in }
    }

    /// Visits every entry under `path` (symbolic links are counted, never followed), first giving
    /// each directory that `openingUp` picks its owner's full permission.
    private static func walk(_ path: String, openingUp: (String) -> Bool, _ visit: (stat) -> Void) {
        var dirs = [path]
        while let dir = dirs.popLast() {
            if openingUp(dir) { _ = chmod(dir, 0o700) }
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { continue }
            for name in names {
                let child = dir + "/" + name
                var st = stat()
                guard lstat(child, &st) == 0 else { continue }
                visit(st)
                if (st.st_mode & S_IFMT) == S_IFDIR { dirs.append(child) }
            }
        }
    }
}
