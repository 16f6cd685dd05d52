import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Start-up and shutdown: SIGTERM drains in-flight requests and exits 0, a port in use or an
/// unusable model is a one-line error and exit 1.
@Suite struct LifecycleTests {
    /// A request whose head and half its body have arrived is in flight when SIGTERM comes:
    /// the server stops taking connections, answers that request once its body is complete,
    /// and exits 0.
    @Test(arguments: [SIGTERM, SIGINT])
    func signalDrainsTheInFlightRequestAndExitsZero(signal: Int32) throws {
        let server = try ServerProcess(model: demoModel)
        let body = jsonBody(["text": "I was charged twice this month"])
        let connection = try HTTPConnection(port: server.port)
        let head = "POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n"
        try connection.send(Array(head.utf8) + body.prefix(10))
        // The metrics request itself is one in flight; the half-sent one makes two.
        #expect(try eventually { try server.metric("switchboard_http_requests_in_flight") == 2 })
        server.signal(signal)
        #expect(eventually { (try? HTTPConnection(port: server.port, timeout: 1)) == nil }, "still accepting after the signal")
        #expect(server.isRunning, "exited with a request in flight")
        try connection.send(Array(body.dropFirst(10)))
        let reply = try connection.readReply()
        #expect(reply.status == 200, "\(reply.text)")
        #expect(reply.json["label"] is String)
        #expect(server.waitForExit() == 0, "\(server.description); stderr: \(server.stderr)")
    }

    @Test func idleServerExitsZeroOnSIGTERM() throws {
        let server = try ServerProcess(model: demoModel)
        let keepAlive = try HTTPConnection(port: server.port) // an idle keep-alive connection must not hold it up
        #expect(try keepAlive.exchange("GET", "/healthz").status == 200)
        server.signal(SIGTERM)
        #expect(server.waitForExit() == 0, "\(server.description); stderr: \(server.stderr)")
        #expect(keepAlive.closedByPeer())
    }

    @Test func portInUseIsOneLineAndExitOne() throws {
        let first = try ServerProcess(model: demoModel)
        let second = try ServerProcess(model: demoModel, port: first.port, waitForPort: false)
        #expect(second.waitForExit() == 1, "\(second.description)")
        #expect(second.stderr == "switchboard: error: cannot listen on 127.0.0.1:\(first.port): Address already in use\n")
        #expect(second.stdout.isEmpty)
        #expect(try first.request("GET", "/healthz").status == 200)
    }

    /// A failed bind cancels the server's services; that cancellation once deadlocked about one
    /// start in fifty, leaving a process that never exited. Many attempts make a regression show.
    @Test func portInUseExitsEveryTime() throws {
        let first = try ServerProcess(model: demoModel)
        for attempt in 0 ..< 40 {
            let second = try ServerProcess(model: demoModel, port: first.port, waitForPort: false)
            let status = second.waitForExit(within: 10)
            #expect(status == 1, "attempt \(attempt): \(second.description)")
            if status != 1 { break }
        }
        #expect(try first.request("GET", "/healthz").status == 200)
    }

    @Test func unusableModelIsOneLineAndExitOne() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bad = "\(dir)/bad.model"
        try Data("not a model".utf8).write(to: URL(fileURLWithPath: bad))
        for path in [bad, "\(dir)/missing.model"] {
            let server = try ServerProcess(model: path, waitForPort: false)
            #expect(server.waitForExit() == 1, "\(server.description)")
            let lines = server.stderr.split(separator: "\n")
            #expect(lines.count == 1 && lines.first?.hasPrefix("switchboard: error: cannot load model \(path): ") == true,
                    "\(server.stderr)")
        }
    }

    @Test func badOptionsAreUsageErrors() throws {
        for arguments in [["--port", "70000"], ["--max-batch", "0"], ["--threads", "0"]] {
            let r = try runBinary(["serve", demoModel] + arguments)
            #expect(r.status == 64, "\(arguments): \(r.stderr)")
        }
    }
}
