import CCurl
import Foundation

/// HTTP over libcurl: the only code that touches libcurl. Each request has an easy handle to itself,
/// used by one dispatch thread for the request's whole life, so Swift's cooperative threads never
/// block on the network. Handles go back to a small pool after a clean transfer: curl keeps their
/// connections open, so the next request to the same server (an agent's next turn) skips the connect.
public struct HTTPClient: Sendable {
    /// curl_global_init is not thread-safe: run it once, before any request (a static let runs once).
    private static let globalInit: Bool = curl_global_init(Int(CURL_GLOBAL_ALL)) == CURLE_OK

    /// Verify TLS certificates and host names (never off outside tests of plain-http servers).
    public var verifyTLS: Bool

    public init(verifyTLS: Bool = true) {
        _ = Self.globalInit
        self.verifyTLS = verifyTLS
    }

    /// Sends the request and buffers the whole response.
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let body = BodyBuffer()
        var response = try await stream(request) { body.append($0) }
        response.body = body.data
        return response
    }

    /// Sends the request and hands each piece of the response body to `onData` as it arrives.
    /// The returned response has the status and headers and an empty body.
    public func stream(_ request: HTTPRequest, onData: @escaping @Sendable (Data) -> Void) async throws -> HTTPResponse {
        try await stream(request, until: { onData($0); return true })
    }

    /// As `stream(_:onData:)`, but `onData` may stop the transfer by answering false (a response
    /// over the caller's bound is not read to its end); the call then throws `HTTPError.stopped`.
    public func stream(_ request: HTTPRequest, until onData: @escaping @Sendable (Data) -> Bool) async throws -> HTTPResponse {
        let transfer = Transfer(onData: onData)
        let verify = verifyTLS
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { cont in
                // A queue of its own per transfer: it gets a thread of its own to block on, where the
                // global queue would run only about as many transfers at once as there are cores.
                DispatchQueue(label: "swissagent.http-transfer").async {
                    cont.resume(with: Result { try transfer.perform(request, verifyTLS: verify) })
                }
            }
        } onCancel: {
            transfer.cancel()
        }
    }
}

/// A response body kept up to a bound, for `stream(_:until:)`: a reply past it is not read on.
/// `@unchecked Sendable`: `bytes` is only touched while holding `lock`.
public final class BoundedBody: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes = Data()
    public let limit: Int

    public init(limit: Int) { self.limit = limit }

    /// false (stop the transfer) once past the bound.
    public func append(_ d: Data) -> Bool {
        lock.withLock {
            bytes.append(d)
            return bytes.count <= limit
        }
    }

    public var data: Data { lock.withLock { bytes } }
}

/// Bytes gathered from callbacks. `@unchecked Sendable`: all access holds `lock`.
final class BodyBuffer: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes = Data()
    func append(_ d: Data) { lock.withLock { bytes.append(d) } }
    var data: Data { lock.withLock { bytes } }
}

/// One request's state, reached from curl's C callbacks through their userdata pointer.
/// `@unchecked Sendable`: `headers`, `lastByte`, `lastUploaded`, `idled` and `stopped` are only touched by the one
/// thread running `perform` (curl calls back on it); `cancelled` holds `lock`.
final class Transfer: @unchecked Sendable {
    let onData: @Sendable (Data) -> Bool
    var headers: [String: String] = [:]
    /// When the last byte of the response arrived (or the transfer began).
    var lastByte = ContinuousClock.now
    var idleLimit: Duration?
    var lastUploaded: Int64 = 0
    var idled = false
    var stopped = false
    private let lock = NSLock()
    private var cancelledFlag = false

    init(onData: @escaping @Sendable (Data) -> Bool) { self.onData = onData }

    /// Called by curl's progress callback (at least once a second): whether to give up now. A
    /// request body still going up counts as activity too (a long conversation is a big request).
    func shouldAbort(uploaded: Int64) -> Bool {
        if cancelled { return true }
        if uploaded > lastUploaded {
            lastUploaded = uploaded
            lastByte = .now
        }
        if let idleLimit, ContinuousClock.now - lastByte > idleLimit {
            idled = true
            return true
        }
        return false
    }

    func cancel() { lock.withLock { cancelledFlag = true } }
    var cancelled: Bool { lock.withLock { cancelledFlag } }

    func perform(_ r: HTTPRequest, verifyTLS: Bool) throws -> HTTPResponse {
        guard let h = HandlePool.shared.take() ?? curl_easy_init() else { throw HTTPError.other(r.url, "cannot create a curl handle") }
        var reusable = false
        defer { if reusable { HandlePool.shared.give(h) } else { curl_easy_cleanup(h) } }
        var list: UnsafeMutablePointer<curl_slist>?
        for (k, v) in r.headers { list = curl_slist_append(list, "\(k): \(v)") }
        // curl sends "Expect: 100-continue" for big bodies; servers here answer at once. Not on a signed
        // request: curl's SigV4 would sign the removed header, and the store would refuse the signature.
        if r.awsSigning == nil { list = curl_slist_append(list, "Expect:") }
        defer { curl_slist_free_all(list) }
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let me = Unmanaged.passUnretained(self).toOpaque()
        lastByte = .now
        lastUploaded = 0
        idleLimit = r.idleTimeout.map { .milliseconds(Int($0 * 1000)) }
        let code: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { errBuf in
            _ = ccurl_setopt_ptr(h, ccurl_opt_url, r.url)
            _ = ccurl_setopt_ptr(h, ccurl_opt_customrequest, r.method)
            if r.method == "HEAD" { _ = ccurl_setopt_long(h, ccurl_opt_nobody, 1) }
            if let aws = r.awsSigning {
                _ = ccurl_setopt_ptr(h, ccurl_opt_aws_sigv4, "aws:amz:\(aws.region):\(aws.service)")
                _ = ccurl_setopt_ptr(h, ccurl_opt_username, aws.accessKey)
                _ = ccurl_setopt_ptr(h, ccurl_opt_password, aws.secretKey)
            }
            _ = ccurl_setopt_ptr(h, ccurl_opt_httpheader, list)
            if let body = r.body {
                _ = ccurl_setopt_off(h, ccurl_opt_postfieldsize_large, curl_off_t(body.count))
                body.withUnsafeBytes { raw in _ = ccurl_setopt_ptr(h, ccurl_opt_copypostfields, raw.baseAddress) }
            }
            _ = ccurl_setopt_long(h, ccurl_opt_nosignal, 1)
            _ = ccurl_setopt_long(h, ccurl_opt_connecttimeout_ms, Int(r.connectTimeout * 1000))
            if let t = r.totalTimeout { _ = ccurl_setopt_long(h, ccurl_opt_timeout_ms, Int(t * 1000)) }
            _ = ccurl_setopt_long(h, ccurl_opt_ssl_verifypeer, verifyTLS ? 1 : 0)
            _ = ccurl_setopt_long(h, ccurl_opt_ssl_verifyhost, verifyTLS ? 2 : 0)
            _ = ccurl_setopt_ptr(h, ccurl_opt_errorbuffer, errBuf.baseAddress)
            _ = ccurl_setopt_ptr(h, ccurl_opt_writedata, me)
            _ = ccurl_setopt_write(h) { ptr, size, n, user in
                guard let ptr, let user else { return 0 }
                let t = Unmanaged<Transfer>.fromOpaque(user).takeUnretainedValue()
                let count = size * n
                t.lastByte = .now
                guard t.onData(Data(bytes: ptr, count: count)) else {
                    t.stopped = true
                    return 0  // fewer bytes than given: curl ends the transfer with CURLE_WRITE_ERROR
                }
                return count
            }
            _ = ccurl_setopt_ptr(h, ccurl_opt_headerdata, me)
            _ = ccurl_setopt_header(h) { ptr, size, n, user in
                guard let ptr, let user else { return 0 }
                let t = Unmanaged<Transfer>.fromOpaque(user).takeUnretainedValue()
                let count = size * n
                t.lastByte = .now
                let line = String(decoding: UnsafeRawBufferPointer(start: ptr, count: count), as: UTF8.self)
                if line.hasPrefix("HTTP/") { t.headers = [:] }  // a new response (after 100 or a redirect)
                if let colon = line.firstIndex(of: ":") {
                    t.headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
                }
                return count
            }
            _ = ccurl_setopt_long(h, ccurl_opt_noprogress, 0)
            _ = ccurl_setopt_ptr(h, ccurl_opt_xferinfodata, me)
            _ = ccurl_setopt_xferinfo(h) { user, _, _, _, uploaded in
                guard let user else { return 0 }
                return Unmanaged<Transfer>.fromOpaque(user).takeUnretainedValue().shouldAbort(uploaded: Int64(uploaded)) ? 1 : 0
            }
            return curl_easy_perform(h)
        }
        if code != CURLE_OK {
            let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let fallback = curl_easy_strerror(code).map { String(validatingCString: $0) ?? "" } ?? ""
            let why = detail.isEmpty ? fallback : detail
            switch code {
            case CURLE_ABORTED_BY_CALLBACK:
                if cancelled { throw HTTPError.cancelled }
                if idled { throw HTTPError.idle(r.url, r.idleTimeout ?? 0) }
                throw HTTPError.other(r.url, why)
            case CURLE_WRITE_ERROR where stopped: throw HTTPError.stopped
            case CURLE_COULDNT_RESOLVE_HOST: throw HTTPError.dns(URL(string: r.url)?.host ?? r.url)
            case CURLE_COULDNT_CONNECT: throw HTTPError.refused(r.url)
            case CURLE_OPERATION_TIMEDOUT: throw HTTPError.timeout(r.url, r.totalTimeout ?? r.connectTimeout)
            case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CACERT_BADFILE:
                throw HTTPError.tls(r.url, why)
            default: throw HTTPError.other(r.url, why)
            }
        }
        var status = 0
        _ = ccurl_getinfo_long(h, ccurl_info_response_code, &status)
        reusable = true
        return HTTPResponse(status: status, headers: headers, body: Data())
    }
}

/// Easy handles between transfers, their connections kept open by curl. A handle is reset as it
/// comes back (its options, callbacks and pointers into the last transfer go; connections and the
/// DNS cache stay), and is only ever in one transfer at a time. `@unchecked Sendable`: `idle` is only touched while holding `lock`.
final class HandlePool: @unchecked Sendable {
    static let shared = HandlePool()
    /// Enough for the transfers one process runs at once; more are cleaned up when they end.
    static let capacity = 16
    private let lock = NSLock()
    private var idle: [UnsafeMutableRawPointer] = []

    func take() -> UnsafeMutableRawPointer? {
        lock.withLock { idle.popLast() }
    }

    func give(_ h: UnsafeMutableRawPointer) {
        curl_easy_reset(h)
        let kept = lock.withLock { () -> Bool in
            if idle.count >= Self.capacity { return false }
            idle.append(h)
            return true
        }
        if !kept { curl_easy_cleanup(h) }
    }
}
