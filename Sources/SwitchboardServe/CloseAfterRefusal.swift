import NIOHTTPTypes
import NIOCore

/// Closes the connection once a 413 answer has been written. The refused body may still be on its
/// way (or never come, for a huge declared length); without this the connection would wait for
/// it until the read timeout although the client already has its answer (`Connection: close`).
final class CloseAfterRefusal: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart
    private var closing = false

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case let .head(head):
            closing = head.status.code == 413
        case .end where closing:
            closing = false
            context.writeAndFlush(data, promise: promise)
            context.close(promise: nil)
            return
        default:
            break
        }
        context.write(data, promise: promise)
    }
}
