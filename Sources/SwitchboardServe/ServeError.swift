/// Why the service could not start or could not (re)load its model.
public enum ServeError: Error, Sendable, CustomStringConvertible {
    /// The address is taken or cannot be bound.
    case cannotBind(host: String, port: Int, reason: String)
    /// The model file could not be loaded; the message is the loader's.
    case modelUnusable(path: String, reason: String)
    /// Another reload was still running.
    case reloadInProgress

    public var description: String {
        switch self {
        case let .cannotBind(host, port, reason): return "cannot listen on \(host):\(port): \(reason)"
        case let .modelUnusable(path, reason): return "cannot load model \(path): \(reason)"
        case .reloadInProgress: return "a reload is already in progress"
        }
    }
}

extension ServeError: Equatable {}
