import Foundation
import Testing

/// Reloading on `POST /v1/admin/reload` and SIGHUP: a good file is swapped in, a corrupt,
/// foreign or missing one leaves the old model serving, and the admin route is protected.
@Suite struct ReloadTests {
    /// A served model path holding the demo model, and a second good model with other labels.
    struct Fixture {
        let dir: String
        var served: String { "\(dir)/served.model" }
        let demo: Data
        let other: Data
        static let otherLabels = ["alpha", "beta", "gamma"]

        init() throws {
            dir = try temporaryDirectory()
            demo = try Data(contentsOf: URL(fileURLWithPath: demoModel))
            var csv = "text,label\n"
            for i in 0..<60 { csv += "word\(i % 3) sample \(i),\(Self.otherLabels[i % 3])\n" }
            try Data(csv.utf8).write(to: URL(fileURLWithPath: "\(dir)/other.csv"))
            let train = try runBinary(["train", "\(dir)/other.csv", "-o", "\(dir)/other.model", "--bucket-bits", "10", "--epochs", "2"])
            try #require(train.status == 0, "\(train.stderr)")
            other = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/other.model"))
            try place(demo)
        }

        /// Puts `bytes` at the served path atomically (a temporary file renamed into place).
        func place(_ bytes: Data) throws {
            try bytes.write(to: URL(fileURLWithPath: "\(dir)/.incoming"))
            try #require(rename("\(dir)/.incoming", served) == 0)
        }

        /// Corrupt variants: truncated, one flipped byte in the weights, not a model at all, empty.
        var corrupt: [(String, Data)] {
            var flipped = demo
            flipped[demo.count / 2] ^= 0x5A
            return [("truncated", demo.prefix(demo.count / 3)), ("flipped byte", flipped),
                    ("foreign", Data("text,label\nhello,greeting\n".utf8)), ("empty", Data())]
        }

        func cleanUp() { try? FileManager.default.removeItem(atPath: dir) }
    }

    static func labels(_ server: ServerProcess) throws -> [String] {
        try server.request("GET", "/v1/model").json["labels"] as? [String] ?? []
    }

    static func reload(_ server: ServerProcess, headers: [String: String] = [:]) throws -> HTTPReply {
        try server.request("POST", "/v1/admin/reload", body: [], headers: headers)
    }

    @Test func adminReloadSwapsAGoodFileAndKeepsTheOldModelOnABadOne() throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let server = try ServerProcess(model: fixture.served)
        let demoLabels = try Self.labels(server)
        #expect(demoLabels.count > 3)
        try fixture.place(fixture.other)
        let good = try Self.reload(server)
        #expect(good.status == 200, "\(good.text)")
        #expect(good.json["reloaded"] as? Bool == true)
        #expect(good.json["generation"] as? Int == 2)
        #expect(try Self.labels(server) == Fixture.otherLabels)
        #expect(Fixture.otherLabels.contains(try server.classify("word1 sample").json["label"] as? String ?? ""))

        try fixture.place(fixture.demo)
        #expect(try Self.reload(server).status == 200)
        for (name, bytes) in fixture.corrupt {
            try fixture.place(bytes)
            let bad = try Self.reload(server)
            #expect(bad.status == 422, "\(name): \(bad.text)")
            #expect(bad.json["reloaded"] as? Bool == false)
            #expect(bad.json["generation"] as? Int == 3, "\(name)")
            #expect((bad.json["error"] as? String)?.contains(fixture.served) == true, "\(name): \(bad.text)")
            #expect(try Self.labels(server) == demoLabels, "\(name)")
            #expect(try server.classify("I was charged twice").status == 200)
        }
        try FileManager.default.removeItem(atPath: fixture.served)
        #expect(try Self.reload(server).status == 422)
        #expect(try server.metric(#"switchboard_reloads_total{result="failed"}"#) == Double(fixture.corrupt.count + 1))
        #expect(try server.metric(#"switchboard_reloads_total{result="ok"}"#) == 3) // start + 2
        #expect(try server.request("GET", "/readyz").json["generation"] as? Int == 3)
        #expect(server.stderr.contains("reload failed, still serving the previous model"))
    }

    @Test func sighupReloadsAndACorruptFileKeepsServing() throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let server = try ServerProcess(model: fixture.served)
        let demoLabels = try Self.labels(server)
        try fixture.place(fixture.other)
        server.signal(SIGHUP)
        #expect(try eventually { try server.request("GET", "/readyz").json["generation"] as? Int == 2 })
        #expect(try Self.labels(server) == Fixture.otherLabels)
        try fixture.place(fixture.corrupt[1].1)
        server.signal(SIGHUP)
        #expect(try eventually { try server.metric(#"switchboard_reloads_total{result="failed"}"#) == 1 })
        #expect(server.isRunning)
        #expect(try Self.labels(server) == Fixture.otherLabels)
        #expect(try server.request("GET", "/readyz").json["generation"] as? Int == 2)
        try fixture.place(fixture.demo)
        server.signal(SIGHUP)
        #expect(try eventually { try server.request("GET", "/readyz").json["generation"] as? Int == 3 })
        #expect(try Self.labels(server) == demoLabels)
    }

    /// Requests during reloads alternating a good and a corrupt file: every one answered 200
    /// by one whole model (its labels all from the same model); the last good model serves.
    @Test func requestsDuringReloadsAllSucceed() throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let server = try ServerProcess(model: fixture.served)
        let demoLabels = Set(try Self.labels(server))
        let port = server.port
        let failures = Failures()
        let worker = Thread {
            do {
                let connection = try HTTPConnection(port: port)
                while !failures.stopped {
                    let reply = try connection.exchange("POST", "/v1/classify?top_k=3", body: jsonBody(["text": "word2 refund"]))
                    let labels = Set((reply.json["top"] as? [[String: Any]] ?? []).compactMap { $0["label"] as? String })
                    if reply.status != 200 || !(labels.isSubset(of: demoLabels) || labels == Set(Fixture.otherLabels)) {
                        failures.add("\(reply.status) \(reply.text)")
                    }
                    failures.count()
                }
            } catch { failures.add("\(error)") }
            failures.finish()
        }
        worker.start()
        for i in 0..<20 {
            try fixture.place(i % 2 == 0 ? (i % 4 == 0 ? fixture.other : fixture.demo) : fixture.corrupt[i % 4 == 1 ? 0 : 1].1)
            #expect(try Self.reload(server).status == (i % 2 == 0 ? 200 : 422))
        }
        failures.stop()
        #expect(eventually { failures.finished })
        #expect(failures.messages.isEmpty, "\(failures.messages.prefix(3))")
        #expect(failures.answered > 0)
        #expect(Set(try Self.labels(server)) == demoLabels) // i = 18 placed the demo model
    }

    @Test func adminTokenIsRequiredWhenSet() throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let server = try ServerProcess(model: fixture.served, environment: ["SWITCHBOARD_ADMIN_TOKEN": "s3cret-token"])
        BadRequestTests.expectError(try Self.reload(server), 401)
        BadRequestTests.expectError(try Self.reload(server, headers: ["Authorization": "Bearer wrong"]), 401)
        BadRequestTests.expectError(try Self.reload(server, headers: ["Authorization": "s3cret-token"]), 401)
        #expect(try server.request("GET", "/readyz").json["generation"] as? Int == 1)
        let ok = try Self.reload(server, headers: ["Authorization": "Bearer s3cret-token"])
        #expect(ok.status == 200, "\(ok.text)")
        #expect(ok.json["generation"] as? Int == 2)
    }
}

/// What the request thread of `requestsDuringReloadsAllSucceed` saw.
final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    private var done = false, halt = false, n = 0

    func add(_ message: String) { lock.withLock { list.append(message) } }
    func count() { lock.withLock { n += 1 } }
    func stop() { lock.withLock { halt = true } }
    func finish() { lock.withLock { done = true } }
    var stopped: Bool { lock.withLock { halt } }
    var finished: Bool { lock.withLock { done } }
    var messages: [String] { lock.withLock { list } }
    var answered: Int { lock.withLock { n } }
}
