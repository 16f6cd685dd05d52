import HummingbirdCore
import Logging
import NIOCore

/// Hummingbird's HTTP/1.1 child channel with `ClassifyFastPath` added right after its
/// connection-state handler (Hummingbird's `additionalChannelHandlers` go before that handler,
/// where idle timeouts and graceful shutdown would not see the requests answered there).
struct FastPathChannel: ServerChildChannel {
    let base: HTTP1Channel
    let handlers: Handlers

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<HTTP1Channel.Value> {
        base.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            let state = try pipeline.handler(type: HTTPConnectionStateHandler.self)
            try pipeline.addHandler(ClassifyFastPath(handlers: handlers), position: .after(state))
            return value
        }
    }

    func handle(value: HTTP1Channel.Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 with `POST /v1/classify` answered on the event loop (see `ClassifyFastPath`).
    static func http1FastPath(configuration: HTTP1Channel.Configuration, handlers: Handlers) -> HTTPServerBuilder {
        .init { responder in
            FastPathChannel(base: HTTP1Channel(responder: responder, configuration: configuration), handlers: handlers)
        }
    }
}
