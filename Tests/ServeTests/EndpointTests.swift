import Foundation
import Testing

/// Every endpoint of `switchboard serve`, on the real binary over loopback, with the committed
/// demo model.
@Suite struct EndpointTests {
    static let queries = ["I was charged twice this month", "how do i turn on 2fa", "the app keeps crashing on my iphone",
                          "can I talk to a real person please", "", "🤦 ÉTÉ   naïve café", String(repeating: "refund ", count: 400)]

    @Test func classifyAnswersLabelConfidenceRoutedAndTop() throws {
        let server = try ServerProcess(model: demoModel)
        let reply = try server.classify("I was charged twice this month")
        #expect(reply.status == 200)
        #expect(reply.headers["content-type"] == "application/json")
        let o = reply.json
        #expect(Set(o.keys) == ["label", "confidence", "routed", "top"])
        let top = try #require(o["top"] as? [[String: Any]])
        #expect(top.count == 1)
        #expect(top.first?["label"] as? String == o["label"] as? String)
        #expect(top.first?["confidence"] as? Double == o["confidence"] as? Double)
        let routed = try #require(o["routed"] as? String)
        #expect(routed == o["label"] as? String || routed == "unknown")

        let three = try server.classify("I was charged twice this month", query: "?top_k=3").json
        let ranked = try #require(three["top"] as? [[String: Any]])
        let probabilities = ranked.compactMap { $0["confidence"] as? Double }
        #expect(ranked.count == 3 && probabilities.count == 3)
        #expect(probabilities == probabilities.sorted(by: >))
        #expect(Set(ranked.compactMap { $0["label"] as? String }).count == 3)
        #expect(ranked.first?["label"] as? String == o["label"] as? String)
    }

    @Test func explainAddsAnExplanationWhoseTermsSumToTheLogit() throws {
        let server = try ServerProcess(model: demoModel)
        let plain = try server.classify("the app keeps crashing on my iphone", query: "?explain=false").json
        #expect(plain["explanation"] == nil)
        let o = try server.classify("the app keeps crashing on my iphone", query: "?explain=true&top_k=2").json
        let e = try #require(o["explanation"] as? [String: Any])
        #expect(e["label"] as? String == o["label"] as? String)
        #expect(e["text"] as? String == "the app keeps crashing on my iphone")
        let terms = try #require(e["contributions"] as? [[String: Any]])
        #expect(!terms.isEmpty && terms.count <= 10)
        #expect(terms.allSatisfy { ($0["ngrams"] as? [Any])?.isEmpty == false })
        let sum = terms.compactMap { $0["contribution"] as? Double }.reduce(0, +)
            + (e["bias"] as? Double ?? .nan) + (e["omitted_contribution"] as? Double ?? .nan)
        let logit = try #require(e["logit"] as? Double)
        #expect(abs(sum - logit) < 1e-3, "terms + bias = \(sum), logit \(logit)")
        let second = (o["top"] as? [[String: Any]])?.dropFirst().first?["label"] as? String
        #expect(e["runner_up_label"] as? String == second)
    }

    @Test func explanationUsesTheSameMembersAsExplainJSON() throws {
        let server = try ServerProcess(model: demoModel)
        let text = "I was charged twice this month"
        let served = try #require(try server.classify(text, query: "?explain=true").json["explanation"] as? [String: Any])
        let cli = try runBinary(["explain", demoModel, text, "--json", "--top", "10"])
        #expect(cli.status == 0, "\(cli.stderr)")
        let printed = try #require(try JSONSerialization.jsonObject(with: Data(cli.stdout.utf8)) as? [String: Any])
        #expect(Set(served.keys) == Set(printed.keys).subtracting(["schema"]))
        let servedTerm = try #require((served["contributions"] as? [[String: Any]])?.first)
        let printedTerm = try #require((printed["contributions"] as? [[String: Any]])?.first)
        #expect(Set(servedTerm.keys) == Set(printedTerm.keys))
        let servedGram = try #require((servedTerm["ngrams"] as? [[String: Any]])?.first)
        let printedGram = try #require((printedTerm["ngrams"] as? [[String: Any]])?.first)
        #expect(Set(servedGram.keys) == Set(printedGram.keys))
        #expect(served["label"] as? String == printed["label"] as? String)
        let a = try #require(served["confidence"] as? Double), b = try #require(printed["confidence"] as? Double)
        #expect(abs(a - b) < 1e-6)
    }

    @Test func batchAnswersEachTextInOrderLikeSingleRequests() throws {
        let server = try ServerProcess(model: demoModel)
        let reply = try server.request("POST", "/v1/classify/batch?top_k=2", body: jsonBody(["texts": Self.queries]))
        #expect(reply.status == 200)
        let results = try #require(reply.json["results"] as? [[String: Any]])
        #expect(results.count == Self.queries.count)
        for (text, result) in zip(Self.queries, results) {
            let single = try server.classify(text, query: "?top_k=2").json
            #expect(NSDictionary(dictionary: single) == NSDictionary(dictionary: result), "\(text.prefix(40))")
        }
        let empty = try server.request("POST", "/v1/classify/batch", body: jsonBody(["texts": [String]()]))
        #expect(empty.status == 200)
        #expect((empty.json["results"] as? [Any])?.isEmpty == true)
    }

    @Test func modelIsWhatInspectJSONSays() throws {
        let server = try ServerProcess(model: demoModel)
        let reply = try server.request("GET", "/v1/model")
        #expect(reply.status == 200)
        let inspect = try runBinary(["inspect", demoModel, "--json"])
        try #require(inspect.status == 0, "\(inspect.stderr)")
        let expected = try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [String: Any]
        #expect(NSDictionary(dictionary: reply.json) == NSDictionary(dictionary: try #require(expected)))
        #expect((reply.json["labels"] as? [String])?.isEmpty == false)
    }

    @Test func healthAndReadiness() throws {
        let server = try ServerProcess(model: demoModel)
        let health = try server.request("GET", "/healthz")
        #expect(health.status == 200)
        #expect(health.json["status"] as? String == "ok")
        let ready = try server.request("GET", "/readyz")
        #expect(ready.status == 200)
        let r = ready.json
        #expect(r["status"] as? String == "ready")
        #expect(r["generation"] as? Int == 1)
        let labels = try server.request("GET", "/v1/model").json["label_count"] as? Int
        #expect(r["labels"] as? Int == labels)
    }

    /// Counts by endpoint and status, the latency histogram, answers by label and abstentions
    /// match the requests this test made.
    @Test func metricsCountWhatWasAnswered() throws {
        let server = try ServerProcess(model: demoModel)
        var routed: [String: Int] = [:]
        for text in Self.queries {
            let o = try server.classify(text).json
            routed[o["routed"] as? String ?? "?", default: 0] += 1
        }
        let batch = try server.request("POST", "/v1/classify/batch", body: jsonBody(["texts": Self.queries])).json
        for r in batch["results"] as? [[String: Any]] ?? [] { routed[r["routed"] as? String ?? "?", default: 0] += 1 }
        _ = try server.request("GET", "/nowhere")
        _ = try server.request("POST", "/v1/classify", body: Array("{".utf8))
        let metrics = try server.request("GET", "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.headers["content-type"]?.hasPrefix("text/plain") == true)
        let n = Double(Self.queries.count)
        #expect(try server.metric(#"switchboard_http_requests_total{endpoint="/v1/classify",status="200"}"#) == n)
        #expect(try server.metric(#"switchboard_http_requests_total{endpoint="/v1/classify",status="400"}"#) == 1)
        #expect(try server.metric(#"switchboard_http_requests_total{endpoint="/v1/classify/batch",status="200"}"#) == 1)
        #expect(try server.metric(#"switchboard_http_requests_total{endpoint="unmatched",status="404"}"#) == 1)
        #expect(try server.metric(#"switchboard_http_request_duration_seconds_count{endpoint="/v1/classify"}"#) == n + 1)
        #expect(try server.metric(#"switchboard_http_request_duration_seconds_bucket{endpoint="/v1/classify",le="+Inf"}"#) == n + 1)
        for (label, count) in routed {
            #expect(try server.metric(#"switchboard_answers_total{label="\#(label)"}"#) == Double(count), "\(label)")
        }
        #expect(try server.metric("switchboard_abstentions_total") ?? 0 == Double(routed["unknown"] ?? 0))
        #expect(try server.metric("switchboard_model_generation") == 1)
    }

    /// With a calibrated threshold, `routed` is what `switchboard label` answers (the label, or
    /// the unknown label under the threshold) and some answers abstain.
    @Test func routedIsWhatLabelAnswersUnderAThreshold() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = "\(dir)/calibrated.model"
        let test = repositoryRoot.appendingPathComponent("Data/test.csv").path
        let calibrate = try runBinary(["calibrate", demoModel, test, "-o", model, "--target-coverage", "0.7"])
        try #require(calibrate.status == 0, "\(calibrate.stderr)")
        let csv = try String(contentsOfFile: test, encoding: .utf8)
        let texts = csv.split(separator: "\n").dropFirst().prefix(60).compactMap { line -> String? in
            line.first == "\"" ? nil : line.split(separator: ",").first.map(String.init)
        }
        let input = "\(dir)/texts.txt"
        try Data((texts.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: input))
        let label = try runBinary(["label", model, input, "--format", "text"])
        try #require(label.status == 0, "\(label.stderr)")
        let expected = label.stdout.split(separator: "\n").map { String($0.split(separator: "\t")[0]) }
        try #require(expected.count == texts.count)
        let server = try ServerProcess(model: model)
        let batch = try server.request("POST", "/v1/classify/batch", body: jsonBody(["texts": texts])).json
        let routed = (batch["results"] as? [[String: Any]] ?? []).map { $0["routed"] as? String ?? "?" }
        #expect(routed == expected)
        #expect(routed.contains("unknown") && routed.contains { $0 != "unknown" })
    }

    /// Labels that need escaping in JSON (quote, backslash, tab, non-ASCII) come back intact in
    /// single and batch answers.
    @Test func labelsNeedingEscapesRoundTrip() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let labels = [#"say "hi""#, #"back\slash"#, "tab\there", "naïve ünïcode 🤖", "plain"]
        var csv = "text,label\n"
        for i in 0..<100 {
            let label = labels[i % labels.count]
            csv += "word\(i % labels.count) sample \(i),\"\(label.replacingOccurrences(of: "\"", with: "\"\""))\"\n"
        }
        try Data(csv.utf8).write(to: URL(fileURLWithPath: "\(dir)/t.csv"))
        let train = try runBinary(["train", "\(dir)/t.csv", "-o", "\(dir)/t.model", "--bucket-bits", "10", "--epochs", "2"])
        try #require(train.status == 0, "\(train.stderr)")
        let server = try ServerProcess(model: "\(dir)/t.model")
        #expect(Set(try server.request("GET", "/v1/model").json["labels"] as? [String] ?? []) == Set(labels))
        let single = try server.classify("word0 sample", query: "?top_k=5").json
        #expect(Set((single["top"] as? [[String: Any]] ?? []).compactMap { $0["label"] as? String }) == Set(labels))
        let batch = try server.request("POST", "/v1/classify/batch?top_k=5", body: jsonBody(["texts": ["word1 x", "word3 y"]]))
        for r in batch.json["results"] as? [[String: Any]] ?? [] {
            #expect(Set((r["top"] as? [[String: Any]] ?? []).compactMap { $0["label"] as? String }) == Set(labels))
        }
    }

    /// The same texts through `predict --json` and the server: the same labels and the same
    /// probabilities, bit for bit as float32.
    @Test func answersAreIdenticalToPredict() throws {
        let server = try ServerProcess(model: demoModel)
        let csv = try String(contentsOf: repositoryRoot.appendingPathComponent("Data/test.csv"), encoding: .utf8)
        let texts = csv.split(separator: "\n").dropFirst().prefix(40).compactMap { line -> String? in
            line.first == "\"" ? nil : line.split(separator: ",").first.map(String.init)
        } + Self.queries.filter { !$0.isEmpty }
        let predict = try runBinary(["predict", demoModel, "--json", "--top-k", "3"] + texts)
        try #require(predict.status == 0, "\(predict.stderr)")
        let lines = predict.stdout.split(separator: "\n")
        try #require(lines.count == texts.count)
        for (text, line) in zip(texts, lines) {
            let expected = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let got = try server.classify(text, query: "?top_k=3").json
            #expect(got["label"] as? String == expected["label"] as? String, "\(text)")
            #expect((got["confidence"] as? Double).map(Float.init) == (expected["confidence"] as? Double).map(Float.init))
            let a = (got["top"] as? [[String: Any]] ?? []).map { "\($0["label"] ?? "")=\(Float($0["confidence"] as? Double ?? -1))" }
            let b = (expected["top"] as? [[String: Any]] ?? []).map { "\($0["label"] ?? "")=\(Float($0["confidence"] as? Double ?? -1))" }
            #expect(a == b, "\(text)")
        }
    }
}
