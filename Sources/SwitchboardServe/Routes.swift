import Foundation
import Hummingbird
import NIOCore
import Switchboard

/// The endpoints and the methods each one takes (anything else on a known path is 405).
enum Routes {
    static let methods: [String: [HTTPRequest.Method]] = [
        "/v1/classify": [.post], "/v1/classify/batch": [.post], "/v1/model": [.get],
        "/healthz": [.get], "/readyz": [.get], "/metrics": [.get], "/v1/admin/reload": [.post],
    ]

    /// A JSON response.
    static func json(_ bytes: [UInt8], status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        headers.append(contentsOf: extra)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// The JSON error response for `error`: its own status for `APIError` and `HTTPError`,
    /// 413 for a body over the limit, 500 otherwise.
    static func errorResponse(_ error: any Error) -> Response {
        switch error {
        case let e as APIError where e.status == 413:
            // The rest of the body may still be on its way: end the connection after answering.
            return json(ClassifyAPI.errorBody(e.message), status: .contentTooLarge, headers: [.connection: "close"])
        case let e as APIError:
            return json(ClassifyAPI.errorBody(e.message), status: .init(code: e.status))
        case let e as HTTPError:
            return json(ClassifyAPI.errorBody(e.body ?? e.status.reasonPhrase), status: e.status)
        case is NIOTooManyBytesError:
            return json(ClassifyAPI.errorBody("the body is larger than the server accepts"), status: .contentTooLarge,
                        headers: [.connection: "close"])
        default:
            return json(ClassifyAPI.errorBody("internal error: \(error)"), status: .internalServerError)
        }
    }
}

/// Answers 404 and 405 itself, turns every thrown error into a JSON error response, and records
/// each request's endpoint, status and duration.
struct APIMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServeMetrics

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        metrics.inFlight(1)
        defer { metrics.inFlight(-1) }
        let path = request.uri.path
        let endpoint: String
        let response: Response
        if let allowed = Routes.methods[path] {
            endpoint = path
            if allowed.contains(request.method) {
                do { response = try await next(request, context) } catch { response = Routes.errorResponse(error) }
            } else {
                let allow = allowed.map(\.rawValue).joined(separator: ", ")
                response = Routes.json(ClassifyAPI.errorBody("\(request.method.rawValue) is not allowed on \(path); use \(allow)"),
                                       status: .methodNotAllowed, headers: [.allow: allow])
            }
        } else {
            endpoint = "unmatched"
            response = Routes.json(ClassifyAPI.errorBody("no such endpoint: \(path)"), status: .notFound)
        }
        let elapsed = DispatchTime.now().uptimeNanoseconds - start
        metrics.request(endpoint: endpoint, status: response.status.code, nanoseconds: Int64(elapsed))
        return response
    }
}
