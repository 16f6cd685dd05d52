import Foundation
import Testing

/// Every bad request gets its status and a JSON `{"error": "..."}`, and the server keeps
/// answering afterwards.
@Suite struct BadRequestTests {
    /// A 4xx with a JSON object whose only member is a non-empty "error" string.
    static func expectError(_ reply: HTTPReply, _ status: Int, mentioning part: String? = nil,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(reply.status == status, "\(reply.text)", sourceLocation: sourceLocation)
        #expect(reply.headers["content-type"] == "application/json", sourceLocation: sourceLocation)
        let object = (try? JSONSerialization.jsonObject(with: Data(reply.body))) as? [String: Any]
        #expect(object?.keys.sorted() == ["error"], "\(reply.text)", sourceLocation: sourceLocation)
        let message = object?["error"] as? String ?? ""
        #expect(!message.isEmpty, sourceLocation: sourceLocation)
        if let part { #expect(message.contains(part), "\(message)", sourceLocation: sourceLocation) }
    }

    static let badBodies: [(String, [UInt8], String)] = [
        ("invalid JSON", Array(#"{"text": "unterminated"#.utf8), "JSON"),
        ("empty body", [], "JSON"),
        ("not an object", Array(#"["text"]"#.utf8), "object"),
        ("missing text", Array(#"{"txt": "hello"}"#.utf8), "text"),
        ("number text", Array(#"{"text": 42}"#.utf8), "string"),
        ("boolean text", Array(#"{"text": true}"#.utf8), "string"),
        ("null text", Array(#"{"text": null}"#.utf8), "string"),
        ("array text", Array(#"{"text": ["a"]}"#.utf8), "string"),
        ("invalid UTF-8", Array(#"{"text": "caf"#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8), "UTF-8"),
        ("lone surrogate escape", Array(#"{"text": "\ud800"}"#.utf8), ""),
    ]

    @Test func badClassifyBodiesGet400() throws {
        let server = try ServerProcess(model: demoModel)
        for (name, body, part) in Self.badBodies {
            let reply = try server.request("POST", "/v1/classify", body: body)
            if name == "lone surrogate escape" && reply.status == 200 { continue } // decoded as U+FFFD: also fine
            Self.expectError(reply, 400, mentioning: part.isEmpty ? nil : part)
        }
        #expect(try server.classify("still answering").status == 200)
    }

    @Test func badBatchBodiesGet400() throws {
        let server = try ServerProcess(model: demoModel)
        let bodies: [(String, [UInt8])] = [
            ("missing texts", Array(#"{"text": "a"}"#.utf8)), ("texts not an array", Array(#"{"texts": "a"}"#.utf8)),
            ("a number in texts", Array(#"{"texts": ["a", 1]}"#.utf8)), ("invalid JSON", Array(#"{"texts": ["a",]"#.utf8)),
            ("invalid UTF-8", Array(#"{"texts": [""#.utf8) + [0xFF] + Array(#""]}"#.utf8)),
        ]
        for (name, body) in bodies {
            let reply = try server.request("POST", "/v1/classify/batch", body: body)
            Self.expectError(reply, 400)
            if name == "a number in texts" { #expect(reply.text.contains("texts[1]")) }
        }
    }

    @Test func badQueryParametersGet400() throws {
        let server = try ServerProcess(model: demoModel)
        for query in ["?top_k=0", "?top_k=-1", "?top_k=abc", "?top_k=1001", "?explain=maybe"] {
            Self.expectError(try server.classify("hello", query: query), 400)
        }
    }

    @Test func bodyOverMaxBodyAndBatchOverMaxBatchGet413() throws {
        let server = try ServerProcess(model: demoModel, arguments: ["--max-body", "256", "--max-batch", "5"])
        let long = String(repeating: "x", count: 300)
        Self.expectError(try server.classify(long), 413, mentioning: "256")
        Self.expectError(try server.request("POST", "/v1/classify/batch", body: jsonBody(["texts": [long]])), 413)
        let six = try server.request("POST", "/v1/classify/batch", body: jsonBody(["texts": Array(repeating: "a", count: 6)]))
        Self.expectError(six, 413, mentioning: "5")
        let five = try server.request("POST", "/v1/classify/batch", body: jsonBody(["texts": Array(repeating: "a", count: 5)]))
        #expect(five.status == 200)
        // A huge declared length is refused before the body arrives.
        let connection = try HTTPConnection(port: server.port, timeout: 3) // well under the 10 s read timeout
        try connection.send(Array("POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n{".utf8))
        let early = try connection.readReply()
        Self.expectError(early, 413)
        #expect(early.headers["connection"] == "close")
        #expect(connection.closedByPeer())
        // A body that turns out longer than the limit while streaming (chunked, no length).
        let chunked = try HTTPConnection(port: server.port, timeout: 3)
        let chunk = String(repeating: "y", count: 200)
        try chunked.send(Array("POST /v1/classify HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".utf8))
        try chunked.send(Array("c8\r\n\(chunk)\r\nc8\r\n\(chunk)\r\n".utf8))
        Self.expectError(try chunked.readReply(), 413)
        #expect(chunked.closedByPeer())
        // Exactly at the limit is accepted.
        let padding = String(repeating: " ", count: 256 - jsonBody(["text": "ok"]).count)
        let atLimit = try server.request("POST", "/v1/classify", body: Array((padding + #"{"text":"ok"}"#).utf8))
        #expect(atLimit.status == 200, "\(atLimit.text)")
        #expect(try server.classify("still answering").status == 200)
    }

    @Test func unknownRouteGets404AndWrongMethodGets405() throws {
        let server = try ServerProcess(model: demoModel)
        for (method, path) in [("GET", "/"), ("GET", "/v2/classify"), ("POST", "/v1/classify/"), ("GET", "/metrics/x")] {
            Self.expectError(try server.request(method, path), 404)
        }
        let wrong = [("GET", "/v1/classify", "POST"), ("PUT", "/v1/classify/batch", "POST"), ("DELETE", "/v1/model", "GET"),
                     ("POST", "/healthz", "GET"), ("POST", "/readyz", "GET"), ("POST", "/metrics", "GET"),
                     ("GET", "/v1/admin/reload", "POST")]
        for (method, path, allowed) in wrong {
            let reply = try server.request(method, path, body: method == "GET" || method == "DELETE" ? nil : [])
            Self.expectError(reply, 405)
            #expect(reply.headers["allow"] == allowed, "\(method) \(path)")
        }
        #expect(try server.request("GET", "/healthz").status == 200)
    }

    /// Many bad requests on one keep-alive connection, then a good one on it: nothing breaks it.
    @Test func keepAliveConnectionSurvivesBadRequests() throws {
        let server = try ServerProcess(model: demoModel)
        let connection = try HTTPConnection(port: server.port)
        for (_, body, _) in Self.badBodies {
            #expect(try connection.exchange("POST", "/v1/classify", body: body).status / 100 == 4)
        }
        #expect(try connection.exchange("GET", "/nowhere").status == 404)
        #expect(try connection.exchange("POST", "/v1/classify", body: jsonBody(["text": "refund please"])).status == 200)
    }

    /// An idle keep-alive connection is closed after --idle-timeout.
    @Test func idleKeepAliveConnectionIsClosed() throws {
        let server = try ServerProcess(model: demoModel, arguments: ["--idle-timeout", "0.5"])
        let connection = try HTTPConnection(port: server.port, timeout: 5)
        #expect(try connection.exchange("GET", "/healthz").status == 200)
        #expect(connection.closedByPeer())
    }

    /// A client that sends half a request and stalls is disconnected after --read-timeout.
    @Test func stalledClientIsDisconnected() throws {
        let server = try ServerProcess(model: demoModel, arguments: ["--read-timeout", "0.5"])
        let connection = try HTTPConnection(port: server.port, timeout: 10)
        let started = Date()
        try connection.send(Array("POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{\"te".utf8))
        #expect(connection.closedByPeer())
        #expect(Date().timeIntervalSince(started) < 9)
        #expect(try server.classify("still answering").status == 200)
    }
}
