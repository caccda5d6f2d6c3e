import Foundation

/// What a job's files take on disk, counted from outside the sandbox: every file rounded up to
/// whole 4 KiB blocks and every entry at least one block, so a million empty files count too.
enum DiskUsage {
    static let block: Int64 = 4096

    /// Bytes under `path`. A directory the job made unreadable is opened up first (the worker owns
    /// it, or is root), so nothing can be hidden from the count.
    static func bytes(under path: String) -> Int64 {
        let fm = FileManager.default
        var total: Int64 = 0
        var dirs = [path]
        while let dir = dirs.popLast() {
            if access(dir, R_OK | X_OK) != 0 { _ = chmod(dir, 0o700) }
            guard let names = try? fm.contentsOfDirectory(atPath: dir) else { continue }
            for name in names {
                let child = dir + "/" + name
                var st = stat()
                guard lstat(child, &st) == 0 else { continue }
                let size = Int64(st.st_size)
                total += max(block, (size + block - 1) / block * block)
                // Symbolic links are counted, never followed.
                if (st.st_mode & S_IFMT) == S_IFDIR { dirs.append(child) }
            }
        }
        return total
    }

    /// Gives the owner read, write and search permission on every directory of a tree.
    static func openUp(_ path: String) {
        var dirs = [path]
        while let dir = dirs.popLast() {
            _ = chmod(dir, 0o700)
            for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] {
                var st = stat()
                if lstat(dir + "/" + name, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR { dirs.append(dir + "/" + name) }
            }
        }
    }
}
