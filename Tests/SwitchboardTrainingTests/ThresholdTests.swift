import SwitchboardSupport
import SwitchboardData
import Foundation
import Switchboard
import SwitchboardTraining
import Testing

/// Eight validation rows, most confident first; three have the unknown label.
///
///     confidence   0.9  0.8  0.7  0.6  0.5  0.4  0.3  0.2
///     correct       y    y    -    y    n    -    y    -
///     unknown       .    .    U    .    .    U    .    U
///
/// Running counts per candidate threshold t (rows with confidence ≥ t are answered):
///
///     t           0.9  0.8  0.7  0.6  0.5  0.4  0.3  0.2  0
///     answered     1    2    3    4    5    6    7    8   8
///     correct      1    2    2    3    3    3    4    4   4
///     unk. answd   0    0    1    1    1    2    2    3   3
///     handled      4    5    4    5    5    4    5    4   4   (= correct + 3 − unknown answered)
///     precision    1    1  .667 .75   .6   .5 .571  .5  .5
private let example: [AbstentionRow] = [
    (0.9, true, false), (0.8, true, false), (0.7, false, true), (0.6, true, false),
    (0.5, false, false), (0.4, false, true), (0.3, true, false), (0.2, false, true),
].map { AbstentionRow(confidence: $0.0, correct: $0.1, unknown: $0.2) }

private func close(_ x: Double?, _ y: Double, _ tolerance: Double = 1e-12) -> Bool {
    x.map { abs($0 - y) <= tolerance } ?? false
}

@Suite struct ThresholdTests {
    @Test func accuracyObjectiveTakesTheMedianOfTheTiedThresholds() throws {
        // "handled" peaks at 5 for t = 0.8, 0.6, 0.5 and 0.3; ties go to the lower middle: 0.5.
        let c = try ThresholdSelection.choose(example, objective: .accuracy)
        #expect(c.threshold == 0.5)
        #expect(close(c.metrics.accuracy, 5.0 / 8))
        #expect(close(c.metrics.coverage, 5.0 / 8))
        #expect(close(c.metrics.answeredAccuracy, 3.0 / 5))
        #expect(close(c.metrics.inScopeAccuracy, 3.0 / 5))      // r5 answered wrongly, r7 abstained on
        #expect(close(c.metrics.unknownRecall, 2.0 / 3))        // the 0.4 and 0.2 rows abstained on
        // Three tied candidates: the middle one.
        let three = Array(example.prefix(6)) // t = 0.8, 0.6 and 0.5 tie at 4 handled
        #expect(try ThresholdSelection.choose(three, objective: .accuracy).threshold == 0.6)
    }

    @Test func withoutUnknownRowsTiesGoToTheLowestThreshold() throws {
        // Only in-scope rows, the three least confident answered wrongly: abstaining on them
        // neither gains nor loses, so 0.9, 0.5, 0.4, 0.3 and 0 all handle 1 row. Nothing argues
        // for abstaining: 0, answer everything.
        let rows = [(0.9, true), (0.5, false), (0.4, false), (0.3, false)].map {
            AbstentionRow(confidence: Float($0.0), correct: $0.1, unknown: false)
        }
        #expect(try ThresholdSelection.choose(rows, objective: .accuracy).threshold == 0)
    }

    @Test func unknownShareWeighsEachKindToTheGivenMix() throws {
        // Score = (1 − s)/5 · correct + s/3 · unknown abstained on (5 other rows, 3 unknown).
        // s = 0.5: 0.8 scores 0.2 + 0.5 = 0.7, above 0.6 and 0.5 (0.633) and 0.3 (0.567).
        #expect(try ThresholdSelection.choose(example, objective: .accuracyAtUnknownShare(0.5)).threshold == 0.8)
        // s = 0.1: 0.3 scores 0.72 + 0.033 = 0.753, above 0.6 (0.607) and 0.2 (0.72).
        #expect(try ThresholdSelection.choose(example, objective: .accuracyAtUnknownShare(0.1)).threshold == 0.3)
        // The file's own share (3 of 8) weighs every row 1/8: plain accuracy's choice.
        let own = try ThresholdSelection.choose(example, objective: .accuracyAtUnknownShare(3.0 / 8))
        #expect(own == (try ThresholdSelection.choose(example, objective: .accuracy)))
        #expect(throws: ThresholdSelectionError.shareNeedsBothKinds(unknownRows: 3, otherRows: 0)) {
            try ThresholdSelection.choose(example.filter(\.unknown), objective: .accuracyAtUnknownShare(0.5))
        }
        #expect(throws: ThresholdSelectionError.shareNeedsBothKinds(unknownRows: 0, otherRows: 5)) {
            try ThresholdSelection.choose(example.filter { !$0.unknown }, objective: .accuracyAtUnknownShare(0.5))
        }
    }

    @Test func precisionObjectiveTakesTheLowestThresholdMeetingTheTarget() throws {
        // Precision is not monotone: 0.7 gives .667 but 0.6 gives .75, the lowest to reach .75.
        #expect(try ThresholdSelection.choose(example, objective: .precision(0.75)).threshold == 0.6)
        #expect(try ThresholdSelection.choose(example, objective: .precision(1)).threshold == 0.8)
        #expect(try ThresholdSelection.choose(example, objective: .precision(0.5)).threshold == 0)
        let hopeless = example.map { AbstentionRow(confidence: $0.confidence, correct: false, unknown: $0.unknown) }
        #expect(throws: ThresholdSelectionError.precisionUnreachable(target: 0.9, best: 0, threshold: 0.9)) {
            try ThresholdSelection.choose(hopeless, objective: .precision(0.9))
        }
        #expect(throws: ThresholdSelectionError.noRows) { try ThresholdSelection.choose([], objective: .accuracy) }
    }

    @Test func coverageObjectiveTakesTheHighestThresholdAnsweringEnough() throws {
        // 50% of 8 = 4 rows → 0.6; 60% = 4.8 → 5 rows → 0.5; 100% → all 8 → 0.2 (above 0).
        #expect(try ThresholdSelection.choose(example, objective: .coverage(0.5)).threshold == 0.6)
        #expect(try ThresholdSelection.choose(example, objective: .coverage(0.6)).threshold == 0.5)
        #expect(try ThresholdSelection.choose(example, objective: .coverage(1)).threshold == 0.2)
        // A row without features is never answered: 100% is out of reach, so 0 (answer all else).
        let featureless = AbstentionRow(confidence: 0, correct: false, unknown: false, answerable: false)
        let c = try ThresholdSelection.choose(example + [featureless], objective: .coverage(1))
        #expect(c.threshold == 0)
        #expect(close(c.metrics.coverage, 8.0 / 9))
    }

    @Test func tiedConfidencesMoveTogether() throws {
        // Two rows at 0.5 (one right, one unknown) and a right row at 0.9: candidates 0.9, 0.5, 0.
        // handled: t=0.9 → 1 + 1 = 2; t=0.5 → 2 + 0 = 2; t=0 → 2: three tie, the middle one is 0.5.
        let rows = [AbstentionRow(confidence: 0.9, correct: true, unknown: false),
                    AbstentionRow(confidence: 0.5, correct: true, unknown: false),
                    AbstentionRow(confidence: 0.5, correct: false, unknown: true)]
        #expect(try ThresholdSelection.choose(rows, objective: .accuracy).threshold == 0.5)
        #expect(try ThresholdSelection.choose(rows, objective: .coverage(0.5)).threshold == 0.5)
    }

    @Test func expectedCalibrationErrorByHand() {
        // In-scope rows: 0.94 ✓, 0.96 ✓, 0.94 ✗, 0.96 ✓ fall in bin (14/15, 1]: accuracy 0.75,
        // mean confidence 0.95, gap 0.2. 0.54 ✓ and 0.56 ✗ fall in (8/15, 9/15]: gap |0.5 − 0.55|
        // = 0.05. The unknown-label row is left out. ECE = 4/6 · 0.2 + 2/6 · 0.05 = 0.15.
        let rows = [(0.94, true), (0.96, true), (0.94, false), (0.96, true), (0.54, true), (0.56, false)]
            .map { AbstentionRow(confidence: Float($0.0), correct: $0.1, unknown: false) }
            + [AbstentionRow(confidence: 0.9, correct: false, unknown: true)]
        #expect(close(AbstentionMetrics.expectedCalibrationError(rows), 0.15, 1e-6))
        #expect(AbstentionMetrics.expectedCalibrationError([]) == 0)
        // Perfectly calibrated: confidence 0.5 with half right.
        let half = [true, false].map { AbstentionRow(confidence: 0.5, correct: $0, unknown: false) }
        #expect(AbstentionMetrics.expectedCalibrationError(half) == 0)
    }

    @Test func temperatureFitRecoversAKnownTemperature() {
        // Logits ~ 3·N(0, 1) over 5 labels; each label drawn from softmax(logits / 2). The
        // maximum-likelihood temperature of 6000 such rows is 2 up to sampling noise (~2%).
        var rng = SplitMix64(seed: 11)
        func uniform() -> Double { (Double(rng.next() >> 11) + 0.5) / Double(1 << 53) }
        let k = 5, n = 6000, trueTemperature = 2.0
        var scores: [Float] = [], targets: [Int32] = []
        for _ in 0..<n {
            let z = (0..<k).map { _ in 3 * (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform()) }
            let e = z.map { exp($0 / trueTemperature) }
            var u = uniform() * e.reduce(0, +), label = 0
            while label < k - 1 && u >= e[label] { u -= e[label]; label += 1 }
            scores += z.map(Float.init)
            targets.append(Int32(label))
        }
        // Rows left out of the fit (-1: unknown label) must not matter, whatever their scores.
        scores += [Float](repeating: 0, count: k - 1) + [100]
        targets.append(-1)
        let table = ScoreTable(labelCount: k, scores: scores, hasFeatures: [Bool](repeating: true, count: n + 1))
        let t = TemperatureFit.fit(table, targets: targets)
        #expect(abs(Double(t) - trueTemperature) < 0.1, "fitted \(t)")
        let nll = TemperatureFit.negativeLogLikelihood(table, targets: targets, temperature: Double(t))
        #expect(nll < TemperatureFit.negativeLogLikelihood(table, targets: targets, temperature: Double(t) * 1.05))
        #expect(nll < TemperatureFit.negativeLogLikelihood(table, targets: targets, temperature: Double(t) / 1.05))
        // Perfectly separated rows have no finite optimum of the likelihood alone: without the
        // prior the fit stops at the lower bound (SmallCalibrationTests covers the prior).
        let separated = ScoreTable(labelCount: 2, scores: [5, 0, 0, 5], hasFeatures: [true, true])
        #expect(TemperatureFit.fit(separated, targets: [0, 1], priorRows: 0) == Float(TemperatureFit.range.lowerBound))
    }

    /// A small trained model and validation rows, some of them with the unknown label "oos".
    private func trained() throws -> (ModelContents, LabeledDataset) {
        var p = TrainingParameters()
        p.features.bucketBits = 12
        p.epochs = 3
        p.threads = 1
        let phrases = ["refund my money", "reset password", "app crashes", "refund the order", "forgot password"]
        let labels = ["refund", "password", "bug", "refund", "password"]
        let texts = (0..<300).map { "\(phrases[$0 % 5]) \($0 % 7)" }
        let (model, _) = try Trainer.train(texts: texts, labels: (0..<300).map { labels[$0 % 5] }, parameters: p)
        let val = LabeledDataset(
            texts: ["refund please", "password reset", "crashes again", "order refund", "weather today", "play jazz",
                    "reset my money", "!!!"],
            labels: ["refund", "password", "bug", "refund", "oos", "oos", "password", "bug"])
        return (model, val)
    }

    @Test func calibratorMatchesTheRuntime() throws {
        let (model, val) = try trained()
        let (calibrated, report) = try Calibrator.calibrate(model, on: val, unknownLabel: "oos", objective: .accuracy,
                                                           threads: 2)
        var unchanged = calibrated
        unchanged.metadata = model.metadata
        #expect(unchanged == model)                                   // only the metadata changes
        let classifier = try Classifier(contents: calibrated)
        #expect(classifier.calibration == report.calibration)         // survives the metadata round trip
        // The runtime's probabilities equal the score table's bit for bit, so the validation
        // figures are reproduced exactly by evaluating the calibrated model.
        let table = try ScoreTable.compute(model, texts: val.texts, threads: 2)
        // Invalid contents are a thrown error, not a trap.
        var broken = model
        broken.weights.removeLast()
        #expect(throws: ModelFileError.self) { _ = try ScoreTable.compute(broken, texts: val.texts, threads: 1) }
        #expect(classifier.predictions(for: val.texts) == table.predictions(temperature: report.calibration.temperature))
        let evaluation = AbstentionEvaluation.evaluate(classifier, on: val, unknownLabel: "oos",
                                                       threshold: classifier.calibration.threshold, threads: 1)
        #expect(evaluation.abstention == report.validation)
        #expect(evaluation.ece == report.eceAfter)
        #expect(report.examples == val.count)
    }
}
