extension Duration {
    /// The duration in seconds, as a Double (for timing figures and limits).
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
