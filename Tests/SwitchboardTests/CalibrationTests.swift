import Foundation
import Testing
@testable import Switchboard

@Suite struct CalibrationTests {
    func contents(metadata: String) -> ModelContents {
        let config = FeatureConfiguration(bucketBits: 10, wordNGramMin: 1, wordNGramMax: 1, charNGramMin: 0, charNGramMax: 0,
                                          foldDiacritics: true, sublinearTF: true, useIDF: false)
        let stride = ModelContents.rowStride(forLabels: 2)
        var weights = [Float](repeating: 0, count: config.bucketCount * stride)
        let yes = Int(FNV1a.bucket(FNV1a.hash("\u{1}yes"), mask: 1023))
        weights[yes * stride + 0] = 2
        return ModelContents(labels: ["a", "b"], features: config, idf: nil, rowStride: stride,
                             weights: weights, bias: [0, 0], metadata: metadata)
    }

    @Test func roundTripsThroughMetadata() {
        let c = Calibration(temperature: 1.5, threshold: 0.4, unknownLabel: "oos")
        let merged = c.merged(into: #"{"seed":42}"#)
        #expect(Calibration.from(metadata: merged) == c)
        #expect(merged.contains(#""seed":42"#))
        #expect(Calibration.from(metadata: "{}") == Calibration())
        #expect(Calibration.from(metadata: "not json") == Calibration())
        #expect(Calibration.from(metadata: #"{"calibration":{"temperature":-1,"threshold":7}}"#) == Calibration())
    }

    @Test func temperatureSoftensButKeepsRanking() throws {
        let plain = try Classifier(contents: contents(metadata: "{}"))
        let hot = try Classifier(contents: contents(metadata: Calibration(temperature: 4).merged(into: "{}")))
        let s = FeatureScratch()
        let p = plain.predict("yes", scratch: s), q = hot.predict("yes", scratch: s)
        #expect(p.labelIndex == 0 && q.labelIndex == 0)
        #expect(q.probability < p.probability)
        #expect(abs(p.probability - 1 / (1 + expf(-2))) < 1e-5)
    }

    @Test func thresholdRoutesToUnknown() throws {
        let c = try Classifier(contents: contents(metadata: Calibration(threshold: 0.95, unknownLabel: "oos").merged(into: "{}")))
        #expect(c.routedLabel(for: "yes") == "oos")              // p ≈ 0.88 < 0.95
        #expect(c.routedLabel(for: "yes", threshold: 0.5) == "a")
        #expect(c.routedLabel(for: "?!") == "oos")               // no features
        #expect(c.predictedLabel(for: "yes") == "a")              // the raw answer ignores the threshold
    }
}
