import ArgumentParser
import Dispatch
import Foundation
import Logging
import Switchboard
import SwitchboardServe
import Synchronization

extension SwitchboardCommand {
    /// `switchboard serve MODEL`
    struct Serve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve a model over HTTP (JSON in and out).",
            discussion: """
            Endpoints (described in docs/openapi.yaml): POST /v1/classify {"text"} [?top_k=K&explain=true], \
            POST /v1/classify/batch {"texts": [...]}, GET /v1/model (what inspect --json says), \
            GET /healthz, GET /readyz, GET /metrics (Prometheus), POST /v1/admin/reload. \
            Prints "listening on http://HOST:PORT" on stdout once bound (--port 0 picks a free \
            port); logs go to stderr. SIGHUP or the admin route reloads the model file and swaps \
            it in atomically; a corrupt file keeps the old model. The admin route needs \
            Authorization: Bearer $SWITCHBOARD_ADMIN_TOKEN when that variable is set, and is \
            answered only on a loopback address otherwise. SIGTERM or SIGINT drains in-flight \
            requests and exits 0. A port in use is a one-line error and exit 1.
            """)

        @Argument(help: ArgumentHelp("The model file.", valueName: "model"))
        var model: String

        @Option(help: "Address to listen on.")
        var host = "127.0.0.1"

        @Option(parsing: .unconditional, help: "Port to listen on (0: any free port).")
        var port = 8080

        @Option(name: .customLong("threads"), parsing: .unconditional,
                help: ArgumentHelp("Event-loop threads (default: all cores).", valueName: "n"))
        var requestedThreads: Int?

        /// `--threads`, or the number of active processors.
        var threads: Int { requestedThreads ?? ProcessInfo.processInfo.activeProcessorCount }

        @Option(parsing: .unconditional, help: ArgumentHelp("Largest request body in bytes (413 beyond).", valueName: "bytes"))
        var maxBody = 1 << 20

        @Option(parsing: .unconditional, help: ArgumentHelp("Most texts per batch request (413 beyond).", valueName: "n"))
        var maxBatch = 1000

        @Option(parsing: .unconditional, help: ArgumentHelp("Close a keep-alive connection idle this long.", valueName: "seconds"))
        var idleTimeout = 60.0

        @Option(parsing: .unconditional, help: ArgumentHelp("Close a connection that sends nothing for this long.", valueName: "seconds"))
        var readTimeout = 10.0

        func validate() throws {
            guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535") }
            guard threads >= 1 else { throw ValidationError("--threads must be at least 1 (got \(threads))") }
            guard maxBody >= 1, maxBatch >= 1 else { throw ValidationError("--max-body and --max-batch must be at least 1") }
            guard idleTimeout > 0, readTimeout > 0 else { throw ValidationError("timeouts must be positive") }
        }

        func run() throws {
            LoggingSystem.bootstrap(StreamLogHandler.standardError)
            var logger = Logger(label: "switchboard.serve")
            logger.logLevel = .info
            var c = ServeConfiguration(modelPath: model) { Inspect.json($0.storage).rendered() }
            c.host = host; c.port = port; c.threads = threads; c.maxBody = maxBody; c.maxBatch = maxBatch
            c.idleTimeout = idleTimeout; c.readTimeout = readTimeout
            c.adminToken = ProcessInfo.processInfo.environment["SWITCHBOARD_ADMIN_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
            let server: SwitchboardServer
            do { server = try SwitchboardServer(configuration: c, logger: logger) } catch { throw CLIError(error.description) }
            _ = SwitchboardServer.runConcurrencyOnEventLoops(threads: threads)
            let failure = Mutex<String?>(nil)
            let done = DispatchSemaphore(value: 0)
            Task {
                do {
                    try await server.run { host, port in
                        let line = "listening on http://\(host.contains(":") ? "[\(host)]" : host):\(port)\n"
                        FileHandle.standardOutput.write(Data(line.utf8))
                    }
                } catch {
                    failure.withLock { $0 = "\(error)" }
                }
                done.signal()
            }
            done.wait()
            if let message = failure.withLock({ $0 }) { throw CLIError(message) }
        }
    }
}
