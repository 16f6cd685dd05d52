import SwitchboardData
import Foundation
import Switchboard
import SwitchboardReport
import SwitchboardTraining
import Testing

/// A small model trained on three routes, and labeled rows to report on.
private func smallReport(extra: [(String, String)] = [], threshold: Float? = nil,
                         bench: [(String, String)] = []) throws -> EvaluationReport {
    let texts = ["refund my order", "i want my money back", "charge on my card twice", "reset my password",
                 "forgot password", "cannot log in", "where is my parcel", "track my package", "delivery is late"]
    let labels = ["billing", "billing", "billing", "login", "login", "login", "shipping", "shipping", "shipping"]
    var p = TrainingParameters()
    p.features.bucketBits = 12
    p.threads = 1
    let (contents, _) = try Trainer.train(texts: texts, labels: labels, parameters: p)
    let classifier = try Classifier(contents: contents)
    let data = LabeledDataset(texts: texts + extra.map(\.0), labels: labels + extra.map(\.1), source: "rows.csv")
    return EvaluationReport(classifier: classifier, data: data, modelName: "small.model", unknownLabel: "oos",
                            threshold: threshold, threads: 2, bench: bench)
}

@Test func dataTextsAreEscaped() throws {
    let hostile = "<script>alert('x')</script> & \"quotes\""
    let report = try smallReport(extra: [(hostile, "login"), ("password <b>bold</b>", "<img src=x onerror=alert(1)>")])
    let html = report.html()
    #expect(html.components(separatedBy: "<script").count == 2, "only the report's own script tag")
    #expect(!html.contains("<b>bold</b>"))
    #expect(!html.contains("<img"))
    #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quotes&quot;"))
    #expect(html.contains("&lt;img src=x onerror=alert(1)&gt;"))
}

@Test func reportHasEverySectionAndNoNetworkReference() throws {
    let report = try smallReport(extra: [("what is the weather", "oos"), ("reset the password of my card", "billing")],
                                 threshold: 0.5, bench: [("p50_us", "3.1")])
    let html = report.html()
    for id in ["headline", "per-label", "top-confusions", "options", "bench", "script-status"] {
        #expect(html.contains("id=\"\(id)\""), "missing #\(id)")
    }
    for needle in ["in-scope accuracy", "unknown recall", "coverage", "class=\"heatmap\"", "class=\"curve\"", "p50_us"] {
        #expect(html.contains(needle), "missing \(needle)")
    }
    #expect(!html.contains("http://") || html.components(separatedBy: "http://").dropFirst().allSatisfy {
        $0.hasPrefix("www.w3.org/2000/svg")
    })
    #expect(!html.contains("https://"))
}

@Test func curveAndBinsAreConsistentWithTheMetrics() throws {
    let report = try smallReport(extra: [("refund password", "login"), ("parcel money", "billing")])
    let last = try #require(report.curve.last)
    #expect(abs(last.coverage - 1) < 1e-9, "every row answerable: the curve ends at full coverage")
    #expect(abs(last.answeredAccuracy - report.evaluation.metrics.accuracy) < 1e-9)
    #expect(report.reliability.reduce(0) { $0 + $1.count } == report.evaluation.metrics.examples)
    let coverages = report.curve.map(\.coverage)
    #expect(coverages == coverages.sorted())
}

@Test func confusionsCarryTheirQueries() throws {
    let report = try smallReport(extra: [("refund the parcel money twice", "shipping")])
    for item in report.topConfusions {
        #expect(!item.queries.isEmpty && item.queries.count <= min(item.confusion.count, EvaluationReport.examplesPerConfusion))
    }
    let off = report.heatmap.enumerated().flatMap { i, row in row.enumerated().filter { $0.offset != i }.map(\.element) }
    #expect(off.reduce(0, +) <= report.evaluation.metrics.confusions.reduce(0) { $0 + $1.count })
}

@Test func writeIsAtomicAndLeavesNoTemporaryFile() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try ReportFile.write("old", to: dir + "/r.html")
    try ReportFile.write("new", to: dir + "/r.html")
    #expect(try String(contentsOfFile: dir + "/r.html", encoding: .utf8) == "new")
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["r.html"])
    #expect(throws: ReportError.self) { try ReportFile.write("x", to: dir + "/missing/r.html") }
    #expect(throws: ReportError.self) { try BenchFigures.load(path: dir + "/r.html") }
}
