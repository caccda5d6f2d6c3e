import Foundation

public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: Data?
    /// Seconds to connect, and for the whole exchange (nil: no limit, for long streams).
    public var connectTimeout: Double
    public var totalTimeout: Double?

    public init(_ method: String, _ url: String, headers: [(String, String)] = [], body: Data? = nil, connectTimeout: Double = 10,
                totalTimeout: Double? = 60) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
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
    case other(String, String)

    public var description: String {
        switch self {
        case .dns(let host): "cannot resolve \(host): check the name and DNS"
        case .refused(let url): "connection refused by \(url)"
        case .timeout(let url, let s): "\(url) did not answer within \(s) s"
        case .tls(let url, let why): "TLS with \(url) failed: \(why)"
        case .cancelled: "request cancelled"
        case .other(let url, let why): "request to \(url) failed: \(why)"
        }
    }
}
