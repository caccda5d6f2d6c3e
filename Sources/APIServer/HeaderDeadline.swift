import NIOCore
import NIOHTTPTypes

/// A request's header must be complete within `timeout` of its first byte (and a new connection's
/// first request within `timeout` of connecting); otherwise the connection is closed. The idle
/// timeout alone cannot stop a client that trickles a header line every few seconds: each byte
/// counts as activity, and a thousand such clients hold every descriptor (they starved /healthz).
///
/// Two handlers on one event loop: `HeaderDeadline` sees raw bytes before the HTTP decoder (the
/// first byte of a request arms the clock), `HeaderArrival` sits after it and stops the clock when
/// the decoder hands over a whole head. Place `HeaderArrival` with the additional channel handlers;
/// it installs its partner at the front of the pipeline.
final class HeaderArrival: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let deadline: HeaderDeadline

    init(timeout: TimeAmount) { deadline = HeaderDeadline(timeout: timeout) }

    func handlerAdded(context: ChannelHandlerContext) {
        do {
            try context.pipeline.syncOperations.addHandler(deadline, position: .first)
        } catch {
            context.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: deadline.headArrived()
        case .end: deadline.requestEnded()
        case .body: break
        }
        context.fireChannelRead(data)
    }
}

final class HeaderDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let timeout: TimeAmount
    private var waitingForHead = true
    private var timer: Scheduled<Void>?
    private var context: ChannelHandlerContext?

    init(timeout: TimeAmount) { self.timeout = timeout }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { arm() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        arm()
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if waitingForHead { arm() }
        context.fireChannelRead(data)
    }

    func headArrived() {
        waitingForHead = false
        timer?.cancel()
        timer = nil
    }

    /// Between requests the connection may idle (the idle timeout governs that); the next request's
    /// first byte arms the clock again.
    func requestEnded() { waitingForHead = true }

    private func arm() {
        guard timer == nil, let context else { return }
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [weak self] in
            guard let self, self.waitingForHead else { return }
            self.context?.close(promise: nil)
        }
    }
}
