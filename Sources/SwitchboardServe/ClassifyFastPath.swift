import Dispatch
import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Answers `POST /v1/classify` (without a query string) on the event loop, inside the channel
/// pipeline, instead of handing it to the router as an async task. Same answers, errors
/// included (both paths call `ClassifyAPI`), same headers, same metrics.
///
/// Why: with one connection the router's path cost 180–190 µs of server CPU and 190–210 µs of
/// latency per request, this one 95–100 µs and 100–110 µs; with 8 connections it gives 20 %
/// more requests per second (release build, wrk on loopback, 2 cores). At saturation (64
/// connections) both cost about 80 µs per request: NIO's HTTP codec and the kernel dominate.
/// Everything else (other endpoints, a query string such as `top_k` or `explain`, a body
/// without `Content-Length` or over `--max-body`, `Expect`) goes to the router unchanged.
/// After a request with `Connection: close` it answers with that header and closes.
///
/// It sits after Hummingbird's connection-state handler, so idle timeouts and graceful
/// shutdown see its requests and answers like any other. A request that arrives while a routed
/// one on the same connection is still unanswered is routed too, so answers stay in order.
final class ClassifyFastPath: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    static let path = "/v1/classify"

    private let handlers: Handlers
    /// The body of the request being answered here; nil while none is (or it is routed).
    private var body: ByteBuffer?
    private var started: UInt64 = 0
    /// Routed requests whose answer has not been written in full yet.
    private var routedOutstanding = 0
    private var date = HTTPDate()
    /// The request being answered asked for `Connection: close`.
    private var closeAfter = false

    init(handlers: Handlers) {
        self.handlers = handlers
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(head):
            if routedOutstanding == 0, let length = answerableLength(head) {
                closeAfter = head.headerFields[.connection].map { $0.lowercased().contains("close") } ?? false
                started = DispatchTime.now().uptimeNanoseconds
                handlers.metrics.inFlight(1)
                body = context.channel.allocator.buffer(capacity: length)
                return
            }
            routedOutstanding += 1
            context.fireChannelRead(data)
        case var .body(chunk):
            guard body != nil else { return context.fireChannelRead(data) }
            body!.writeBuffer(&chunk)
        case .end:
            guard let request = body else { return context.fireChannelRead(data) }
            body = nil
            answer(request, context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if body != nil { // the client left half-way through a request
            body = nil
            handlers.metrics.inFlight(-1)
        }
        context.fireChannelInactive()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { routedOutstanding -= 1 }
        context.write(data, promise: promise)
    }

    /// The declared body length when this handler answers the request, nil when the router does.
    private func answerableLength(_ head: HTTPRequest) -> Int? {
        guard head.method == .post, head.path == Self.path, head.headerFields[.expect] == nil,
              let declared = head.headerFields[.contentLength].flatMap({ Int($0) }),
              declared >= 0, declared <= handlers.configuration.maxBody
        else { return nil }
        return declared
    }

    private func answer(_ request: ByteBuffer, context: ChannelHandlerContext) {
        let (status, bytes) = handlers.classifyFast(Array(request.readableBytesView))
        var response = HTTPResponse(status: .init(code: status))
        response.headerFields[.contentType] = "application/json"
        response.headerFields[.contentLength] = String(bytes.count)
        response.headerFields[.date] = date.now()
        response.headerFields[.server] = "switchboard"
        if closeAfter { response.headerFields[.connection] = "close" }
        var buffer = context.channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        context.write(wrapOutboundOut(.head(response)), promise: nil)
        context.write(wrapOutboundOut(.body(buffer)), promise: nil)
        let written = closeAfter ? context.eventLoop.makePromise(of: Void.self) : nil
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
        if let written {
            let channel = context.channel
            written.futureResult.whenComplete { _ in channel.close(promise: nil) }
        }
        handlers.metrics.inFlight(-1)
        handlers.metrics.request(endpoint: Self.path, status: status,
                                 nanoseconds: Int64(DispatchTime.now().uptimeNanoseconds &- started))
    }
}

extension Handlers {
    /// The status and JSON body for a `POST /v1/classify` body with default options: the same
    /// answer, errors included, as the routed handler gives.
    func classifyFast(_ body: [UInt8]) -> (status: Int, body: [UInt8]) {
        do {
            let text = try ClassifyAPI.text(from: body)
            let model = holder.model
            let result = ClassifyAPI.classify(text, with: model.classifier, options: .init(), scratch: ThreadScratch.current)
            count(result, model.classifier)
            return (200, ClassifyAPI.encode(result))
        } catch {
            return (error.status, ClassifyAPI.errorBody(error.message))
        }
    }
}
