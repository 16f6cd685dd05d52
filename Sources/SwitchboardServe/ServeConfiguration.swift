/// Settings of `SwitchboardServer`.
public struct ServeConfiguration: Sendable {
    /// The model file, loaded at start and again on every reload.
    public var modelPath: String
    /// Address to listen on (default loopback).
    public var host: String = "127.0.0.1"
    /// Port to listen on; 0 picks a free one (reported through `onListening`).
    public var port: Int = 8080
    /// Event-loop threads.
    public var threads: Int = 1
    /// Largest accepted request body in bytes; larger bodies get 413.
    public var maxBody: Int = 1 << 20
    /// Most texts in one batch request; more get 413.
    public var maxBatch: Int = 1000
    /// A keep-alive connection with no request for this long is closed (seconds).
    public var idleTimeout: Double = 60
    /// A connection that sends no bytes for this long while a request is being read, or at all,
    /// is closed (seconds): a slow client cannot hold a connection open.
    public var readTimeout: Double = 10
    /// When set, `POST /v1/admin/reload` needs `Authorization: Bearer TOKEN`. When nil, the admin
    /// route answers only if the server listens on a loopback address, and 403 otherwise.
    public var adminToken: String?
    /// Renders `GET /v1/model`: the model's description as one JSON text.
    public var describeModel: @Sendable (ModelDescriptionInput) -> String

    public init(modelPath: String, describeModel: @escaping @Sendable (ModelDescriptionInput) -> String) {
        self.modelPath = modelPath
        self.describeModel = describeModel
    }

    /// True for 127.0.0.0/8, ::1 and "localhost".
    var listensOnLoopback: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}

import Switchboard

/// What `describeModel` gets: the loaded model's storage.
public struct ModelDescriptionInput: @unchecked Sendable {
    public let storage: ModelStorage
}
