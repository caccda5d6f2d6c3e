/// A test server (or process) that did not come up or answer as it should, said as is.
public struct TestServerError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
