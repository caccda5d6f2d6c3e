import AgentCore
import Foundation

/// Builds the artifact store `SWISSAGENT_ARTIFACTS` (or `--artifacts`) names:
/// `s3://bucket/prefix` with the usual AWS settings, `file:///path`, or, when nothing is set, a
/// directory under `.swissagent/artifacts`.
public enum ArtifactStoreConfig {
    public static let defaultDirectory = ".swissagent/artifacts"

    public static func make(_ location: String?, environment env: [String: String] = ProcessInfo.processInfo.environment) throws -> any ArtifactStore {
        let location = location.flatMap { $0.isEmpty ? nil : $0 } ?? env["SWISSAGENT_ARTIFACTS"].flatMap { $0.isEmpty ? nil : $0 }
        guard let location else { return try FileArtifactStore(root: defaultDirectory) }
        if location.hasPrefix("file://") {
            let path = String(location.dropFirst("file://".count))
            guard path.hasPrefix("/") else { throw ArtifactStoreError("file:// needs an absolute path: file:///var/lib/swissagent", retryable: false) }
            return try FileArtifactStore(root: path.removingPercentEncoding ?? path)
        }
        if location.hasPrefix("s3://") { return try s3(location, env: env) }
        throw ArtifactStoreError("\(location.prefix(200)) is no artifact store: use s3://bucket/prefix or file:///path", retryable: false)
    }

    static func s3(_ location: String, env: [String: String]) throws -> S3ArtifactStore {
        let rest = location.dropFirst("s3://".count)
        let bucket = String(rest.prefix { $0 != "/" })
        guard !bucket.isEmpty, bucket.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }) else {
            throw ArtifactStoreError("\(location.prefix(200)): the bucket name is missing or not valid", retryable: false)
        }
        var prefix = String(rest.dropFirst(bucket.count)).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        if !prefix.isEmpty { prefix += "/" }
        let accessKey: String
        if let file = env["AWS_ACCESS_KEY_ID_FILE"], !file.isEmpty {
            do { accessKey = try SecretFile.read(file, what: "the S3 access key id") } catch { throw ArtifactStoreError("\(error)", retryable: false) }
        } else if let id = env["AWS_ACCESS_KEY_ID"], !id.isEmpty {
            accessKey = id
        } else {
            throw ArtifactStoreError("\(location) needs AWS_ACCESS_KEY_ID or AWS_ACCESS_KEY_ID_FILE (and AWS_SECRET_ACCESS_KEY or AWS_SECRET_ACCESS_KEY_FILE)",
                                     retryable: false)
        }
        let secretKey: String
        if let file = env["AWS_SECRET_ACCESS_KEY_FILE"], !file.isEmpty {
            do { secretKey = try SecretFile.read(file, what: "the S3 secret key") } catch {
                throw ArtifactStoreError("\(error)", retryable: false)
            }
        } else if let key = env["AWS_SECRET_ACCESS_KEY"], !key.isEmpty {
            secretKey = key
        } else {
            throw ArtifactStoreError("\(location) needs AWS_SECRET_ACCESS_KEY or AWS_SECRET_ACCESS_KEY_FILE", retryable: false)
        }
        let region = env["AWS_REGION"].flatMap { $0.isEmpty ? nil : $0 } ?? env["AWS_DEFAULT_REGION"].flatMap { $0.isEmpty ? nil : $0 } ?? "us-east-1"
        let custom = env["AWS_ENDPOINT_URL_S3"].flatMap { $0.isEmpty ? nil : $0 } ?? env["AWS_ENDPOINT_URL"].flatMap { $0.isEmpty ? nil : $0 }
        if let custom, !(custom.hasPrefix("http://") || custom.hasPrefix("https://")) {
            throw ArtifactStoreError("AWS_ENDPOINT_URL_S3 must start with http:// or https://: \(custom.prefix(200))", retryable: false)
        }
        // A store of one's own (MinIO, Ceph) wants the bucket in the path; AWS in the host name.
        let pathStyle = env["SWISSAGENT_S3_PATH_STYLE"].map { ["1", "true", "yes"].contains($0.lowercased()) } ?? (custom != nil)
        return S3ArtifactStore(S3ArtifactStore.Config(
            bucket: bucket, prefix: prefix, region: region, endpoint: custom ?? "https://s3.\(region).amazonaws.com", pathStyle: pathStyle,
            accessKey: accessKey, secretKey: secretKey, sessionToken: env["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }))
    }
}
