import Foundation

public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: Data?
    /// Seconds to connect, and for the whole exchange (nil: no limit, for long streams).
    public var connectTimeout: Double
    public var totalTimeout: Double?
    /// Seconds without a byte of the response (headers or body) before the request is given up.
    public var idleTimeout: Double?
    /// Signs the request with AWS Signature Version 4 (S3 and stores that speak its API).
    public var awsSigning: AWSSigning?

    public init(_ method: String, _ url: String, headers: [(String, String)] = [], body: Data? = nil, connectTimeout: Double = 10,
                totalTimeout: Double? = 60, idleTimeout: Double? = nil) {
        self.idleTimeout = idleTimeout
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
    }
}

/// What AWS SigV4 needs: libcurl signs with it, so the secret never leaves this process in a header.
public struct AWSSigning: Sendable {
    public var region: String
    public var service: String
    public var accessKey: String
    public var secretKey: String

    public init(region: String, service: String, accessKey: String, secretKey: String) {
        self.region = region
        self.service = service
        self.accessKey = accessKey
        self.secretKey = secretKey
    }
}

public struct HTTPResponse: Sendable {
    public var status: Int
    /// Header names in lower case.
    public var headers: [String: String]
    public var body: Data

    public init(status: Int, headers: [String: String], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// What went wrong on the way, worded for a person: which host, and what to check.
public enum HTTPError: Error, Sendable, Equatable, CustomStringConvertible {
    case dns(String)
    case refused(String)
    case timeout(String, Double)
    case tls(String, String)
    case cancelled
    /// No byte arrived for this many seconds.
    case idle(String, Double)
    /// The receiver asked to stop reading (the response broke one of its bounds).
    case stopped
    case other(String, String)

    public var description: String {
        switch self {
        case .dns(let host): "cannot resolve \(host): check the name and DNS"
        case .refused(let url): "connection refused by \(url)"
        case .timeout(let url, let s): "\(url) did not answer within \(s) s"
        case .tls(let url, let why): "TLS with \(url) failed: \(why)"
        case .cancelled: "request cancelled"
        case .idle(let url, let s): "\(url) sent nothing for \(s) s"
        case .stopped: "the response was not read to its end"
        case .other(let url, let why): "request to \(url) failed: \(why)"
        }
    }
}
