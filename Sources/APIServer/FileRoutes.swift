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
        let found: (file: WorkspaceManifest.File, data: [UInt8])?
        do {
            found = try await JobFileAccess.read(id, path: path, as: scope, queue: queue, files: files)
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
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: found.data)))
    }

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
