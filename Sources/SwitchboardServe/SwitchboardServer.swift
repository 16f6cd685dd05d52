import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import UnixSignals

#if canImport(Glibc)
import Glibc
#endif

/// The HTTP service around one model file: `POST /v1/classify`, `POST /v1/classify/batch`,
/// `GET /v1/model`, `/healthz`, `/readyz`, `/metrics` and `POST /v1/admin/reload`.
///
/// SIGHUP reloads the model like the admin route; SIGTERM and SIGINT stop accepting
/// connections, let in-flight requests finish, and make `run` return.
public struct SwitchboardServer: Sendable {
    public let configuration: ServeConfiguration
    let handlers: Handlers

    /// Loads the model. Throws `ServeError.modelUnusable`.
    public init(configuration: ServeConfiguration, logger: Logger) throws(ServeError) {
        self.configuration = configuration
        let holder = try ModelHolder(path: configuration.modelPath, describe: configuration.describeModel)
        handlers = Handlers(configuration: configuration, holder: holder, metrics: ServeMetrics(), logger: logger)
        handlers.metrics.reload(ok: true, generation: 1)
    }

    /// Serves until SIGTERM or SIGINT, then drains and returns. `onListening` gets the bound host
    /// and port (the real one when `port` is 0). Throws `ServeError.cannotBind` when the address
    /// cannot be bound.
    public func run(onListening: @escaping @Sendable (String, Int) -> Void) async throws(ServeError) {
        let c = configuration
        signal(SIGHUP, SIG_IGN) // until the reload service traps it: a hang-up never kills the server
        let router = Router(context: BasicRequestContext.self)
        router.middlewares.add(APIMiddleware<BasicRequestContext>(metrics: handlers.metrics))
        handlers.register(on: router)
        let (group, ownsGroup) = Self.eventLoops(threads: c.threads)
        let readTimeout = TimeAmount.nanoseconds(Int64(c.readTimeout * 1e9))
        let http = HTTP1Channel.Configuration(
            additionalChannelHandlers: [IdleStateHandler(readTimeout: readTimeout), CloseOnReadTimeout(), CloseAfterRefusal()],
            idleTimeout: .nanoseconds(Int64(c.idleTimeout * 1e9)))
        let started = ManagedFlag()
        let app = Application(
            router: router, server: .http1FastPath(configuration: http, handlers: handlers),
            configuration: .init(address: .hostname(c.host, port: c.port), serverName: "switchboard"),
            services: [ReloadOnHangup(handlers: handlers)],
            onServerRunning: { channel in
                started.set()
                onListening(c.host, channel.localAddress?.port ?? c.port)
            },
            eventLoopGroupProvider: .shared(group), logger: handlers.logger)
        var failure: (any Error)?
        do {
            try await app.runService(gracefulShutdownSignals: [UnixSignal.sigterm, UnixSignal.sigint])
        } catch {
            failure = error
        }
        guard let failure else {
            if ownsGroup { try? await group.shutdownGracefully() }
            return
        }
        // After a failed bind the server still closes its channel on the group: shutting the
        // group down here made NIO print an error line. The caller exits on this error anyway.
        if started.isSet { handlers.logger.error("server stopped: \(failure)"); return }
        throw .cannotBind(host: c.host, port: c.port, reason: Self.reason(failure))
    }

    /// A short reason for a bind failure ("Address already in use").
    static func reason(_ error: any Error) -> String {
        if let e = error as? IOError { return String(cString: strerror(e.errnoCode)) }
        return "\(error)"
    }
}

/// Reloads the model on every SIGHUP until graceful shutdown or cancellation.
///
/// The signal loop runs in a task of its own that graceful shutdown or cancellation cancels,
/// which ends the signal stream. `cancelOnGracefulShutdown()` is not used: its `merge` holds a
/// lock across a suspension, and when a failed bind made the service group cancel this service
/// while that task was suspending, the two threads deadlocked (seen as a second server on a
/// busy port that never exited, not even on SIGTERM).
struct ReloadOnHangup: Service {
    let handlers: Handlers

    func run() async {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        let handlers = handlers
        let loop = Task {
            for await _ in signals { _ = try? handlers.reload(reason: "SIGHUP") }
        }
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await loop.value
            } onGracefulShutdown: {
                loop.cancel()
            }
        } onCancel: {
            loop.cancel()
        }
    }
}

/// A flag set once, read from any thread.
final class ManagedFlag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}

import Synchronization
