import SwitchboardData
import Switchboard
import SwitchboardReport
import SwitchboardTraining
import Testing

/// Unknown-label rows answered as a route are listed apart, and kept out of the heatmap.
@Test func answeredUnknownRowsAreListedApartFromInScopeConfusions() throws {
    let texts = ["refund my order", "i want my money back", "charge on my card twice", "reset my password",
                 "forgot password", "cannot log in", "where is my parcel", "track my package", "delivery is late"]
    let labels = ["billing", "billing", "billing", "login", "login", "login", "shipping", "shipping", "shipping"]
    var p = TrainingParameters()
    p.features.bucketBits = 12
    p.threads = 1
    let (contents, _) = try Trainer.train(texts: texts, labels: labels, parameters: p)
    let extra = [("refund my password", "oos"), ("track my order money", "oos"), ("reset my parcel", "billing")]
    let data = LabeledDataset(texts: texts + extra.map(\.0), labels: labels + extra.map(\.1), source: "rows.csv")
    let report = EvaluationReport(classifier: try Classifier(contents: contents), data: data, modelName: "m",
                                  unknownLabel: "oos", threshold: nil, threads: 1)
    #expect(report.unknownConfusions.map(\.confusion.count).reduce(0, +) == 2, "both oos rows are answered without a threshold")
    #expect(report.unknownConfusions.allSatisfy { $0.confusion.label == "oos" && !$0.queries.isEmpty })
    #expect(report.topConfusions.allSatisfy { $0.confusion.label != "oos" })
    #expect(report.topConfusions.map(\.confusion.label) == ["billing"])
    #expect(!report.heatmapLabels.contains("oos"))
    let html = report.html()
    #expect(html.contains("id=\"unknown-confusions\"") && html.contains("refund my password"))
}
