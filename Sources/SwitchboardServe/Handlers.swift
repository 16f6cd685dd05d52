import Foundation
import Hummingbird
import Logging
import NIOCore
import Switchboard

/// The endpoint handlers, over one model holder.
struct Handlers: Sendable {
    let configuration: ServeConfiguration
    let holder: ModelHolder
    let metrics: ServeMetrics
    let logger: Logger

    func register(on router: Router<BasicRequestContext>) {
        router.post("/v1/classify") { request, _ in try await classify(request) }
        router.post("/v1/classify/batch") { request, _ in try await classifyBatch(request) }
        router.get("/v1/model") { _, _ in Routes.json(holder.model.description) }
        router.get("/healthz") { _, _ in Routes.json(ClassifyAPI.encode(["status": "ok"])) }
        router.get("/readyz") { _, _ in ready() }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
        }
        router.post("/v1/admin/reload") { request, _ in try reload(request) }
    }

    private func body(_ request: Request) async throws -> [UInt8] {
        // A declared length over the limit is refused before any of the body is read.
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > configuration.maxBody {
            throw APIError(status: 413, message: "the body is larger than --max-body (\(configuration.maxBody) bytes)")
        }
        var request = request
        do {
            let buffer = try await request.collectBody(upTo: configuration.maxBody)
            return Array(buffer.readableBytesView)
        } catch is NIOTooManyBytesError {
            throw APIError(status: 413, message: "the body is larger than --max-body (\(configuration.maxBody) bytes)")
        }
    }

    private func options(_ request: Request) throws(APIError) -> ClassifyAPI.Options {
        let q = request.uri.queryParameters
        return try ClassifyAPI.options(topK: q["top_k"].map(String.init), explain: q["explain"].map(String.init))
    }

    private func classify(_ request: Request) async throws -> Response {
        let options = try options(request)
        let text = try ClassifyAPI.text(from: try await body(request))
        let model = holder.model
        let result = ClassifyAPI.classify(text, with: model.classifier, options: options, scratch: ThreadScratch.current)
        count(result, model.classifier)
        return Routes.json(ClassifyAPI.encode(result))
    }

    private func classifyBatch(_ request: Request) async throws -> Response {
        let options = try options(request)
        let texts = try ClassifyAPI.texts(from: try await body(request), maxBatch: configuration.maxBatch)
        let model = holder.model
        let scratch = ThreadScratch.current
        let results = texts.map { ClassifyAPI.classify($0, with: model.classifier, options: options, scratch: scratch) }
        for r in results { count(r, model.classifier) }
        return Routes.json(ClassifyAPI.encode(results: results))
    }

    func count(_ result: ClassifyResult, _ classifier: Classifier) {
        metrics.answer(routed: result.routed, abstained: result.routed == classifier.calibration.unknownLabel
                       && result.label != classifier.calibration.unknownLabel)
    }

    private func ready() -> Response {
        let model = holder.model
        struct Ready: Encodable { let status: String; let generation: Int; let labels: Int; let model: String }
        return Routes.json(ClassifyAPI.encode(Ready(status: "ready", generation: model.generation,
                                                    labels: model.classifier.labels.count, model: holder.path)))
    }

    private func reload(_ request: Request) throws -> Response {
        if let token = configuration.adminToken {
            guard request.headers[.authorization] == "Bearer \(token)" else {
                throw APIError(status: 401, message: "the admin route needs Authorization: Bearer <token>")
            }
        } else if !configuration.listensOnLoopback {
            throw APIError(status: 403, message: "the admin route is off: the server is not on loopback and has no admin token")
        }
        struct Reloaded: Encodable { let reloaded: Bool; let generation: Int; let error: String? }
        do {
            let fresh = try reload(reason: "POST /v1/admin/reload")
            return Routes.json(ClassifyAPI.encode(Reloaded(reloaded: true, generation: fresh.generation, error: nil)))
        } catch {
            let body = Reloaded(reloaded: false, generation: holder.model.generation, error: error.description)
            return Routes.json(ClassifyAPI.encode(body), status: error == .reloadInProgress ? .conflict : .unprocessableContent)
        }
    }

    /// Reloads the model, logs and counts the outcome. The old model keeps serving on failure.
    func reload(reason: String) throws(ServeError) -> LoadedModel {
        do {
            let fresh = try holder.reload()
            logger.info("reloaded the model", metadata: ["reason": "\(reason)", "generation": "\(fresh.generation)"])
            metrics.reload(ok: true, generation: fresh.generation)
            return fresh
        } catch {
            logger.error("reload failed, still serving the previous model",
                         metadata: ["reason": "\(reason)", "error": "\(error.description)",
                                    "generation": "\(holder.model.generation)"])
            metrics.reload(ok: false, generation: holder.model.generation)
            throw error
        }
    }
}
