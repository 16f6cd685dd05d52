import SwitchboardData
import Foundation
import Switchboard
import SwitchboardTraining
import Testing

/// Int8 models trained on the demo data keep the float model's accuracy and predictions.
@Suite struct CompactModelTests {
    /// The default model on Data/train.csv, trained once for every test here.
    static let float: ModelContents = {
        let train = try! LabeledDataset.load(path: Paths.data("train.csv"))
        return try! Trainer.train(texts: train.texts, labels: train.labels, parameters: TrainingParameters()).0
    }()
    static let test = try! LabeledDataset.load(path: Paths.data("test.csv"))

    static func accuracy(_ classifier: Classifier, _ predictions: [Prediction]) -> Double {
        let correct = zip(predictions, test.labels).filter { p, l in p.labelIndex >= 0 && classifier.labels[p.labelIndex] == l }
        return Double(correct.count) / Double(test.count)
    }

    @Test func int8KeepsAccuracyAndPredictions() throws {
        let float = try Classifier(contents: Self.float)
        let compact = try Classifier(contents: Self.float.quantizedInt8())
        #expect(compact.storage.weightEncoding == .int8 && compact.storage.formatVersion == 2)
        let p = float.predictions(for: Self.test.texts, threads: 2)
        let q = compact.predictions(for: Self.test.texts, threads: 2)
        let (a, b) = (Self.accuracy(float, p), Self.accuracy(compact, q))
        // Within 1 point of the float model (measured: +0.2 points on this data).
        #expect(b >= a - 0.01, "float \(a), int8 \(b)")
        let agreement = Double(zip(p, q).filter { $0.labelIndex == $1.labelIndex }.count) / Double(p.count)
        #expect(agreement >= 0.99, "int8 agrees with float on \(agreement)")
        let probabilityGap = zip(p, q).map { abs($0.probability - $1.probability) }.max() ?? 0
        #expect(probabilityGap < 0.05, "largest top-1 probability change \(probabilityGap)")
    }

    /// Compression is about 4× on the weights: with 21 labels (stride 24) a bucket row goes from
    /// 96 + 4 (IDF) bytes to 24 + 4 (IDF) + 4 (scale).
    @Test func sizeEstimatesMatchEncodedBytes() throws {
        let compact = Self.float.quantizedInt8()
        let bytes = try ModelFile.encode(compact)
        let floatBytes = try ModelFile.encode(Self.float)
        #expect(compact.modelByteEstimate == bytes.count && Self.float.modelByteEstimate == floatBytes.count)
        #expect(Double(Self.float.modelByteEstimate) / Double(bytes.count) > 3)
        let estimate = ModelFile.encodedByteCount(labels: compact.labels, metadataLength: compact.metadata.utf8.count,
                                                  features: compact.features, encoding: .int8)
        #expect(estimate == bytes.count)
        // Largest bucket bits under a budget: exactly this model's size fits 2^15, one byte less does not.
        func fit(_ budget: Int) -> Int? {
            ModelFile.largestBucketBits(fitting: budget, labels: compact.labels, metadataLength: compact.metadata.utf8.count,
                                        features: compact.features, encoding: .int8, maximumBits: 15)
        }
        #expect(fit(bytes.count) == 15 && fit(bytes.count - 1) == 14 && fit(1000) == nil)
    }

    @Test func logitsMatchPredictionsForBothEncodings() throws {
        for contents in [Self.float, Self.float.quantizedInt8()] {
            let classifier = try Classifier(contents: contents)
            let scratch = FeatureScratch()
            for text in Self.test.texts.prefix(50) {
                let logits = try #require(classifier.logits(for: text, scratch: scratch)).map { $0 }
                let best = logits.indices.max { logits[$0] < logits[$1] }
                #expect(classifier.predict(text, scratch: scratch).labelIndex == best)
            }
            #expect(classifier.logits(for: "?!", scratch: scratch) == nil)
        }
    }
}
