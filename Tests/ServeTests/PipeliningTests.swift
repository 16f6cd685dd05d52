import Foundation
import Testing

/// `POST /v1/classify` without a query is answered in the channel pipeline; everything else
/// goes through the router. Requests pipelined on one connection, mixing both, must still be
/// answered in order and the same way.
@Suite struct PipeliningTests {
    @Test func mixedPipelinedRequestsAreAnsweredInOrder() throws {
        let server = try ServerProcess(model: demoModel)
        let text = "I was charged twice this month"
        let body = jsonBody(["text": text])
        let connection = try HTTPConnection(port: server.port)
        // Routed, direct, routed (a 400), direct, direct (a 400), all in one write.
        let requests: [(String, [UInt8])] = [("/v1/classify?top_k=3", body), ("/v1/classify", body),
                                             ("/v1/classify?top_k=2", Array("{}".utf8)), ("/v1/classify", body),
                                             ("/v1/classify", Array("[1]".utf8))]
        try connection.send(requests.flatMap { HTTPConnection.request("POST", $0.0, body: $0.1) })
        let replies = try requests.map { _ in try connection.readReply() }
        #expect(replies.map(\.status) == [200, 200, 400, 200, 400])
        #expect((replies[0].json["top"] as? [Any])?.count == 3)
        #expect((replies[1].json["top"] as? [Any])?.count == 1)
        #expect(replies[3].text == replies[1].text, "the same answer on either path")
        let alone = try server.classify(text, query: "?top_k=1")
        #expect(alone.text == replies[1].text, "the router's answer is the direct one")
        #expect(replies[4].json["error"] is String && replies[2].json["error"] is String)
    }

    /// `Connection: close` (any case) gets its answer, that header, and the connection closed.
    @Test(arguments: ["close", "Close"])
    func connectionCloseIsAnsweredThenClosed(value: String) throws {
        let server = try ServerProcess(model: demoModel)
        let connection = try HTTPConnection(port: server.port, timeout: 5)
        let reply = try connection.exchange("POST", "/v1/classify", body: jsonBody(["text": "refund please"]),
                                            headers: ["Connection": value])
        #expect(reply.status == 200 && reply.json["label"] is String)
        #expect(reply.headers["connection"] == "close")
        #expect(connection.closedByPeer())
    }

    /// The direct answer carries the router's headers, and both paths are counted in the metrics.
    @Test func directAnswersHaveTheRoutersHeadersAndAreCounted() throws {
        let server = try ServerProcess(model: demoModel)
        let direct = try server.classify("refund please")
        let routed = try server.classify("refund please", query: "?top_k=1")
        for name in ["content-type", "server"] { #expect(direct.headers[name] == routed.headers[name], "\(name)") }
        #expect(direct.headers["date"]?.hasSuffix(" GMT") == true)
        #expect(try server.metric(#"switchboard_http_requests_total{endpoint="/v1/classify",status="200"}"#) == 2)
    }
}
