import SwitchboardData
import Switchboard
import Testing
@testable import SwitchboardTraining

/// A hand-built model over word unigrams: "alpha" → a, "beta" → b, "gamma" → c.
private func handBuiltClassifier() throws -> Classifier {
    let features = FeatureConfiguration(bucketBits: 10, wordNGramMin: 1, wordNGramMax: 1, charNGramMin: 0,
                                        charNGramMax: 0, foldDiacritics: true, sublinearTF: false, useIDF: false)
    let labels = ["a", "b", "c"]
    let stride = ModelContents.rowStride(forLabels: labels.count)
    var weights = [Float](repeating: 0, count: features.bucketCount * stride)
    let extractor = FeatureExtractor(features)
    var used = Set<UInt32>()
    for (label, word) in ["alpha", "beta", "gamma"].enumerated() {
        let found = extractor.features(of: word)
        let bucket = try #require(found.count == 1 ? found.first?.bucket : nil, "one feature for \(word)")
        try #require(used.insert(bucket).inserted, "hash collision for \(word)")
        weights[Int(bucket) * stride + label] = 10
    }
    let contents = ModelContents(labels: labels, features: features, idf: nil, rowStride: stride,
                                 weights: weights, bias: [0, 0, 0])
    return try Classifier(contents: contents)
}

/// The worked example: 9 texts, 4 right; "d" is unknown to the model; "!!!" has no features.
private let example = LabeledDataset(
    texts: ["alpha", "alpha", "beta", "beta", "gamma", "gamma", "!!!", "alpha", "gamma"],
    labels: ["a", "a", "a", "b", "b", "c", "c", "d", "b"])

private func close(_ x: Double?, _ y: Double) -> Bool { x.map { abs($0 - y) < 1e-12 } ?? false }

@Suite struct MetricsTests {
    @Test func handBuiltModelPredictsAsDesigned() throws {
        let classifier = try handBuiltClassifier()
        #expect(example.texts.map(classifier.predictedLabel(for:)) == ["a", "a", "b", "b", "c", "c", nil, "a", "c"])
    }

    @Test func handCheckedMetrics() throws {
        let m = ClassifierMetrics.evaluate(try handBuiltClassifier(), on: example, threads: 3)
        #expect(m.examples == 9)
        #expect(close(m.accuracy, 4.0 / 9))
        // a: predicted 3×, 2 right; support 3.  b: predicted 2×, 1 right; support 3.
        // c: predicted 3×, 1 right; support 2.  d: never predicted; support 1.
        #expect(Set(m.perLabel.keys) == ["a", "b", "c", "d"])
        let a = try #require(m.perLabel["a"]), b = try #require(m.perLabel["b"])
        let c = try #require(m.perLabel["c"]), d = try #require(m.perLabel["d"])
        #expect(close(a.precision, 2.0 / 3) && close(a.recall, 2.0 / 3) && close(a.f1, 2.0 / 3) && a.support == 3)
        #expect(close(b.precision, 1.0 / 2) && close(b.recall, 1.0 / 3) && close(b.f1, 2.0 / 5) && b.support == 3)
        #expect(close(c.precision, 1.0 / 3) && close(c.recall, 1.0 / 2) && close(c.f1, 2.0 / 5) && c.support == 2)
        #expect(d == LabelMetrics(precision: 0, recall: 0, f1: 0, support: 1))
        #expect(close(m.macroF1, (2.0 / 3 + 2.0 / 5 + 2.0 / 5 + 0) / 4)) // 11/30
        #expect(m.confusions == [
            Confusion(label: "b", predicted: "c", count: 2),
            Confusion(label: "a", predicted: "b", count: 1),
            Confusion(label: "c", predicted: "", count: 1),
            Confusion(label: "d", predicted: "a", count: 1),
        ])
        #expect(m.confusions[2].predictedDisplayName == "(none)")
    }

    @Test func threadCountDoesNotMatter() throws {
        let classifier = try handBuiltClassifier()
        let one = ClassifierMetrics.evaluate(classifier, on: example, threads: 1)
        let many = ClassifierMetrics.evaluate(classifier, on: example, threads: 8)
        #expect(one.perLabel == many.perLabel && one.confusions == many.confusions && one.accuracy == many.accuracy)
    }

    @Test func predictedLabelAbsentFromTestSetCountsInMacroF1() {
        let m = ClassifierMetrics(trueLabels: ["x", "x"], predictedLabels: ["x", "y"])
        #expect(m.accuracy == 0.5)
        #expect(m.perLabel["y"] == LabelMetrics(precision: 0, recall: 0, f1: 0, support: 0))
        let fx = 2 * 1.0 * 0.5 / 1.5 // precision 1, recall 1/2
        #expect(close(m.perLabel["x"]?.f1, fx))
        #expect(close(m.macroF1, fx / 2))
    }

    @Test func perfectAndEmpty() {
        let perfect = ClassifierMetrics(trueLabels: ["p", "q"], predictedLabels: ["p", "q"])
        #expect(perfect.accuracy == 1 && perfect.macroF1 == 1 && perfect.confusions.isEmpty)
        let empty = ClassifierMetrics(trueLabels: [], predictedLabels: [])
        #expect(empty.examples == 0 && empty.accuracy == 0 && empty.macroF1 == 0 && empty.perLabel.isEmpty)
    }

    @Test func confusionTiesAreOrderedByLabelThenPrediction() {
        let m = ClassifierMetrics(trueLabels: ["b", "b", "a", "a", "c"], predictedLabels: ["z", "y", "z", "y", "x"])
        #expect(m.confusions.map { "\($0.label)>\($0.predicted)" } == ["a>y", "a>z", "b>y", "b>z", "c>x"])
    }
}
