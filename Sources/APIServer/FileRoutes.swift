import AgentCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Operations

/// A job's files: the list, and one file's bytes. The job's tenant is checked first: another
/// tenant's job, and its files, are "not found".
extension APIServer {
    func files(_ id: String?, _ scope: TenantScope) async throws -> Response {
        guard let id, let files else { return APIResponse.notFound() }
        do {
            guard let (job, manifest) = try await JobFileAccess.list(id, as: scope, queue: queue, files: files) else { return APIResponse.notFound() }
            return APIResponse.json(.ok, WireModel.files(manifest, id: scope.external(job.id)))
        } catch let e as ArtifactStoreError {
            return APIResponse.error(.serviceUnavailable, "artifacts_unavailable", e.description)
        }
    }

    func file(_ id: String?, path: String, _ scope: TenantScope) async throws -> Response {
        guard let id, let files else { return APIResponse.notFound() }
        let found: (file: WorkspaceManifest.File, key: String)?
        do {
            found = try await JobFileAccess.locate(id, path: path, as: scope, queue: queue, files: files)
        } catch let e as ArtifactStoreError {
            return APIResponse.error(.serviceUnavailable, "artifacts_unavailable", e.description)
        }
        guard let found else { return APIResponse.error(.notFound, "not_found", "no such job, or it has no file \(HumanText.oneLine(path, max: 200))") }
        let name = String(path.split(separator: "/").last ?? "file").filter { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
        // The job made these bytes: a browser is told to save them, never to run them as this origin's page.
        var headers: HTTPFields = [
            .contentType: Self.contentType(path), .contentDisposition: "attachment; filename=\"\(name.isEmpty ? "file" : name)\"",
            .contentSecurityPolicy: "sandbox", .eTag: "\"\(found.file.sha256)\"",
        ]
        if let nosniff = HTTPField.Name("X-Content-Type-Options") { headers[nosniff] = "nosniff" }
        // Streamed a piece at a time: a file may be as large as a checkpoint, and many may be fetched at once.
        let store = files.store, size = found.file.size, key = found.key
        return Response(status: .ok, headers: headers, body: ResponseBody(contentLength: size) { writer in
            var offset = 0
            while offset < size {
                guard let piece = try await store.read(key, from: offset, count: min(Self.filePiece, size - offset)), !piece.isEmpty else {
                    throw ArtifactStoreError("\(key) ended \(size - offset) bytes short", retryable: false)
                }
                try await writer.write(ByteBuffer(bytes: piece))
                offset += piece.count
            }
            try await writer.finish(nil)
        })
    }

    /// Bytes read from the store and sent at a time.
    static let filePiece = 1 << 20

    static func contentType(_ path: String) -> String {
        let ext = path.split(separator: ".").last.map { $0.lowercased() } ?? ""
        switch ext {
        case "txt", "md", "log", "csv", "py", "swift", "sh", "c", "h", "js", "ts", "patch", "diff": return "text/plain; charset=utf-8"
        case "json": return "application/json"
        case "html", "htm": return "text/html; charset=utf-8"
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        case "gif": return "image/gif"
        case "svg": return "image/svg+xml"
        case "pdf": return "application/pdf"
        case "zip": return "application/zip"
        case "gz", "tgz": return "application/gzip"
        default: return "application/octet-stream"
        }
    }
}
