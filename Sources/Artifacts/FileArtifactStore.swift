import AgentCore
import Foundation

/// Artifacts in a directory: the default for one machine, or a volume shared by a fleet. An object
/// is written beside its place and renamed into it, so a reader never sees half of one.
public struct FileArtifactStore: ArtifactStore {
    public let root: String
    public var label: String { "file://" + root }

    public init(root: String) throws {
        let absolute = root.hasPrefix("/") ? root : FileManager.default.currentDirectoryPath + "/" + root
        self.root = (absolute as NSString).standardizingPath
        do {
            try FileManager.default.createDirectory(atPath: self.root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw ArtifactStoreError("cannot make the artifact directory \(self.root): \(error.localizedDescription)", retryable: false)
        }
    }

    public func put(_ key: String, _ data: Data) async throws {
        let path = try self.path(key)
        let dir = (path as NSString).deletingLastPathComponent
        let temporary = path + ".part-" + JobID.make().suffix(8)
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try data.write(to: URL(fileURLWithPath: temporary))
            guard rename(temporary, path) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        } catch {
            unlink(temporary)
            throw ArtifactStoreError("cannot store \(key) in \(root): \(error.localizedDescription)", retryable: true)
        }
    }

    public func get(_ key: String, maxBytes: Int) async throws -> Data? {
        let path = try self.path(key)
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw ArtifactStoreError("cannot read \(key) in \(root): \(String(cString: strerror(errno)))", retryable: true)
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        guard Int(info.st_size) <= maxBytes else {
            throw ArtifactStoreError("\(key) is \(info.st_size) bytes, more than the \(maxBytes) that may be read", retryable: false)
        }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ArtifactStoreError("cannot read \(key) in \(root): \(error.localizedDescription)", retryable: true)
        }
    }

    public func read(_ key: String, from offset: Int, count: Int) async throws -> Data? {
        let path = try self.path(key)
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw ArtifactStoreError("cannot read \(key) in \(root): \(String(cString: strerror(errno)))", retryable: true)
        }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        do {
            try handle.seek(toOffset: UInt64(max(0, offset)))
            return try handle.read(upToCount: max(0, count)) ?? Data()
        } catch {
            throw ArtifactStoreError("cannot read \(key) in \(root): \(error.localizedDescription)", retryable: true)
        }
    }

    public func list(prefix: String) async throws -> [StoredObject] {
        // Walk only the folder the prefix names (its part up to the last "/").
        let folder = prefix.contains("/") ? String(prefix[..<(prefix.lastIndex(of: "/") ?? prefix.endIndex)]) : ""
        let start = folder.isEmpty ? root : try path(folder)
        guard let walker = FileManager.default.enumerator(atPath: start) else { return [] }
        var found: [StoredObject] = []
        while let relative = walker.nextObject() as? String {
            let key = folder.isEmpty ? relative : folder + "/" + relative
            guard key.hasPrefix(prefix), !relative.contains(".part-") else { continue }
            var info = stat()
            guard lstat(start + "/" + relative, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            found.append(StoredObject(key: key, size: Int(info.st_size), modified: Date(timeIntervalSince1970: Double(info.st_mtim.tv_sec))))
        }
        return found.sorted { $0.key < $1.key }
    }

    public func delete(_ keys: [String]) async throws {
        var folders = Set<String>()
        for key in keys {
            let path = try self.path(key)
            if unlink(path) != 0 && errno != ENOENT {
                throw ArtifactStoreError("cannot delete \(key) in \(root): \(String(cString: strerror(errno)))", retryable: true)
            }
            folders.insert((path as NSString).deletingLastPathComponent)
        }
        // Folders left empty go too, up to the root (rmdir refuses one that is not empty).
        for folder in folders.sorted(by: { $0.count > $1.count }) {
            var dir = folder
            while dir.count > root.count, dir.hasPrefix(root + "/"), rmdir(dir) == 0 { dir = (dir as NSString).deletingLastPathComponent }
        }
    }

    /// The file a key names; keys come from `ArtifactKeys`, and one that would leave the root is refused.
    func path(_ key: String) throws -> String {
        guard WorkspaceManifest.isSafePath(key) else { throw ArtifactStoreError("not an artifact key: \(key.prefix(200))", retryable: false) }
        return root + "/" + key
    }
}
