import AgentCore
import Foundation
import HTTPClient

/// Artifacts in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, Cloudflare R2, GCS's XML API),
/// signed with SigV4 by libcurl: no SDK. Every answer is bounded in bytes and time, and its words
/// are cut and scrubbed before they reach an error.
public struct S3ArtifactStore: ArtifactStore {
    public struct Config: Sendable {
        public var bucket: String
        /// Keys start with it ("" or "swissagent/").
        public var prefix: String
        public var region: String
        /// "https://s3.us-east-1.amazonaws.com", or MinIO's "http://minio:9000".
        public var endpoint: String
        /// bucket in the path (MinIO, most self-hosted stores) rather than in the host name.
        public var pathStyle: Bool
        public var accessKey: String
        public var secretKey: String
        public var sessionToken: String?

        public init(bucket: String, prefix: String, region: String, endpoint: String, pathStyle: Bool, accessKey: String,
                    secretKey: String, sessionToken: String? = nil) {
            self.bucket = bucket
            self.prefix = prefix
            self.region = region
            self.endpoint = endpoint
            self.pathStyle = pathStyle
            self.accessKey = accessKey
            self.secretKey = secretKey
            self.sessionToken = sessionToken
        }
    }

    public let config: Config
    let http: HTTPClient
    /// Bytes of a listing page or an error body that are read.
    static let answerLimit = 8 << 20
    /// Objects one listing returns at most (a thousand a page).
    static let listLimit = 1_000_000

    public init(_ config: Config, http: HTTPClient = HTTPClient()) {
        self.config = config
        self.http = http
        Secrets.register(config.secretKey)
        Secrets.register(config.sessionToken)
    }

    public var label: String { "s3://\(config.bucket)/\(config.prefix)" + (config.endpoint.contains("amazonaws.com") ? "" : " at \(config.endpoint)") }

    public func put(_ key: String, _ data: Data) async throws {
        var request = self.request("PUT", key: key, body: data)
        request.headers.append(("Content-Type", "application/octet-stream"))
        let response = try await send(request, what: "store \(key)")
        guard response.status == 200 else { throw failure(response, what: "store \(key)") }
    }

    public func get(_ key: String, maxBytes: Int) async throws -> Data? {
        // Room for an error's words too; an object is held to `maxBytes` below.
        let body = BoundedBody(limit: max(maxBytes, 64 << 10))
        let request = self.request("GET", key: key)
        let response: HTTPResponse
        do {
            response = try await http.stream(request, until: body.append)
        } catch HTTPError.stopped {
            throw ArtifactStoreError("\(key) is more than the \(maxBytes) bytes that may be read", retryable: false)
        } catch let error as HTTPError {
            throw ArtifactStoreError("cannot read \(key) from \(label): \(error)", retryable: true)
        }
        if response.status == 404 { return nil }
        guard response.status == 200 else { throw failure(HTTPResponse(status: response.status, headers: response.headers, body: body.data), what: "read \(key)") }
        guard body.data.count <= maxBytes else { throw ArtifactStoreError("\(key) is more than the \(maxBytes) bytes that may be read", retryable: false) }
        return body.data
    }

    public func read(_ key: String, from offset: Int, count: Int) async throws -> Data? {
        guard count > 0 else { return Data() }
        let body = BoundedBody(limit: max(count, 64 << 10))
        var request = self.request("GET", key: key)
        request.headers.append(("Range", "bytes=\(max(0, offset))-\(max(0, offset) + count - 1)"))
        let response: HTTPResponse
        do {
            response = try await http.stream(request, until: body.append)
        } catch HTTPError.stopped {
            throw ArtifactStoreError("\(label) sent more of \(key) than the \(count) bytes asked", retryable: true)
        } catch let error as HTTPError {
            throw ArtifactStoreError("cannot read \(key) from \(label): \(error)", retryable: true)
        }
        switch response.status {
        case 206: return body.data.prefix(count)
        case 200: return body.data.dropFirst(max(0, offset)).prefix(count)  // a store that ignores Range sends it whole
        case 404: return nil
        case 416: return Data()  // past its end
        default: throw failure(HTTPResponse(status: response.status, headers: response.headers, body: body.data), what: "read \(key)")
        }
    }

    public func list(prefix: String) async throws -> [StoredObject] {
        var found: [StoredObject] = []
        var token: String?
        repeat {
            var query = [("list-type", "2"), ("prefix", config.prefix + prefix)]
            if let token { query.append(("continuation-token", token)) }
            let response = try await send(request("GET", key: nil, query: query), what: "list \(prefix)")
            guard response.status == 200 else { throw failure(response, what: "list \(prefix)") }
            let page = try S3ListPage(xml: response.body)
            for object in page.objects where object.key.hasPrefix(config.prefix) {
                found.append(StoredObject(key: String(object.key.dropFirst(config.prefix.count)), size: object.size, modified: object.modified))
            }
            guard found.count <= Self.listLimit else {
                throw ArtifactStoreError("more than \(Self.listLimit) objects under \(prefix)", retryable: false)
            }
            token = page.nextToken
        } while token != nil
        return found.sorted { $0.key < $1.key }
    }

    public func delete(_ keys: [String]) async throws {
        // One request a key, a few at a time: a batch delete needs Content-MD5, and a job holds few objects.
        try await withThrowingTaskGroup(of: Void.self) { group in
            var running = 0
            for key in keys {
                if running == 8 { try await group.next(); running -= 1 }
                group.addTask {
                    let response = try await send(request("DELETE", key: key), what: "delete \(key)")
                    guard [200, 204, 404].contains(response.status) else { throw failure(response, what: "delete \(key)") }
                }
                running += 1
            }
            try await group.waitForAll()
        }
    }

    func request(_ method: String, key: String?, query: [(String, String)] = [], body: Data? = nil) -> HTTPRequest {
        var url = config.endpoint.hasSuffix("/") ? String(config.endpoint.dropLast()) : config.endpoint
        if config.pathStyle {
            url += "/" + Self.encode(config.bucket)
        } else if let scheme = url.range(of: "://") {
            url.insert(contentsOf: config.bucket + ".", at: scheme.upperBound)
        }
        url += "/" + (key.map { (config.prefix + $0).split(separator: "/", omittingEmptySubsequences: false).map { Self.encode(String($0)) }.joined(separator: "/") } ?? "")
        // In name order: SigV4's canonical query is sorted, and curl signs the query as it is written.
        if !query.isEmpty { url += "?" + query.sorted { $0.0 < $1.0 }.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&") }
        var headers = [("x-amz-content-sha256", "UNSIGNED-PAYLOAD")]
        if let token = config.sessionToken { headers.append(("x-amz-security-token", token)) }
        let megabytes = Double(body?.count ?? 0) / 1_000_000
        return HTTPRequest(method, url, headers: headers, body: body, connectTimeout: 10, totalTimeout: 120 + megabytes * 2, idleTimeout: 30)
            .signed(AWSSigning(region: config.region, service: "s3", accessKey: config.accessKey, secretKey: config.secretKey))
    }

    func send(_ request: HTTPRequest, what: String) async throws -> HTTPResponse {
        let body = BoundedBody(limit: Self.answerLimit)
        do {
            var response = try await http.stream(request, until: body.append)
            response.body = body.data
            return response
        } catch let error as HTTPError {
            throw ArtifactStoreError("cannot \(what) in \(label): \(error)", retryable: true)
        }
    }

    /// The store's own words (its error code and message), cut and scrubbed.
    func failure(_ response: HTTPResponse, what: String) -> ArtifactStoreError {
        let text = String(decoding: response.body.prefix(4096), as: UTF8.self)
        let code = S3ListPage.element("Code", in: text) ?? ""
        let message = S3ListPage.element("Message", in: text) ?? ""
        let said = Secrets.redact(HumanText.oneLine([code, message].filter { !$0.isEmpty }.joined(separator: ": "), max: 300))
        let retryable = response.status >= 500 || response.status == 429 || code == "SlowDown"
        var why = "\(label) refused to \(what): HTTP \(response.status)" + (said.isEmpty ? "" : " (\(said))")
        if response.status == 403 { why += "; check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and the bucket's policy" }
        if response.status == 404 && code == "NoSuchBucket" { why += "; make the bucket \(config.bucket) first" }
        return ArtifactStoreError(why, retryable: retryable)
    }

    /// Percent-encodes all but RFC 3986's unreserved characters, as SigV4's canonical form wants.
    static func encode(_ s: String) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }
}

extension HTTPRequest {
    func signed(_ signing: AWSSigning) -> HTTPRequest {
        var r = self
        r.awsSigning = signing
        return r
    }
}
