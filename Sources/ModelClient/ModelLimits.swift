/// What one model call may take and bring back. A model server is outside the worker's trust: a
/// misconfigured proxy, a compromised endpoint or a model that loops must not hold a worker, grow
/// its memory, or run thousands of steps. Each bound is settable per endpoint in the models file.
public struct ModelLimits: Sendable, Equatable {
    /// Seconds a whole call may take, its retries included (`timeout_s`, `--model-timeout`).
    public var timeout: Double
    /// Seconds without a byte of the reply before the call is given up (`idle_timeout_s`).
    public var idleTimeout: Double
    /// Bytes of text one reply may have (`max_reply_bytes`).
    public var maxReplyBytes: Int
    /// Bytes of arguments one tool call may have (`max_argument_bytes`).
    public var maxArgumentBytes: Int
    /// Tool calls one reply may make; those past it are not run, and the model is told (`max_calls`).
    public var maxCalls: Int

    public static let defaultTimeout = 600.0

    public init(timeout: Double = ModelLimits.defaultTimeout, idleTimeout: Double = 180, maxReplyBytes: Int = 1 << 20,
                maxArgumentBytes: Int = 1 << 20, maxCalls: Int = 16) {
        self.timeout = timeout
        self.idleTimeout = idleTimeout
        self.maxReplyBytes = maxReplyBytes
        self.maxArgumentBytes = maxArgumentBytes
        self.maxCalls = maxCalls
    }

    /// Bytes of a whole (not streamed) answer kept at most: every bound's worth, and room for the JSON around them.
    var maxBodyBytes: Int { maxReplyBytes + maxCalls * maxArgumentBytes + (64 << 10) }
    /// Bytes of one event of a stream held while it arrives: the larger bound's worth, escaped as JSON
    /// may escape it (`\u0000` is six bytes for one), and room for the JSON around it.
    var maxEventBytes: Int { 6 * max(maxReplyBytes, maxArgumentBytes) + (64 << 10) }
}
