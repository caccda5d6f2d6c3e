import AgentCore
import Redis

/// Whatever goes wrong talking to Redis leaves the queue unavailable to its caller: the API
/// answers 503 and the console shows the reason beside the address.
extension RedisError: QueueUnavailable {}
