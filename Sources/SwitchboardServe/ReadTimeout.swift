import NIOCore

/// Closes a connection when `IdleStateHandler` reports that no bytes arrived for the read
/// timeout, so a client that stops sending half-way through a request frees its connection.
final class CloseOnReadTimeout: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = NIOAny

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}
