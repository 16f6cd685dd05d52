import SwitchboardSupport
import SwitchboardData
import Foundation
import Switchboard
import SwitchboardTraining
import Testing

/// A messy support-ticket set of the size a new user starts with: 80 training rows over four
/// labels (one rare), and 28 validation rows, 6 of them with a label the model never saw.
enum SmallTickets {
    static let phrases: [(label: String, texts: [String])] = [
        ("billing", ["charged twice for my subscription", "refund the invoice please", "my card was billed the wrong amount",
                     "why is there a fee on my bill", "cancel the payment and refund me", "invoice total is wrong"]),
        ("bug", ["app crashes when I open settings", "error 500 on the login page", "the button does nothing",
                 "screen freezes after the update", "sync fails with an error", "crash on startup again"]),
        ("account", ["change my email address", "delete my account", "reset password link expired",
                     "cannot log in to my profile", "update my username", "two factor code never arrives"]),
        ("shipping", ["where is my package", "delivery is late", "tracking number does not work"]),
    ]
    static let noise = ["", "hi team,", "URGENT:", "thanks!!", "pls help", "re: ticket 4411 -", "hello", "asap"]

    /// `count` rows drawn with `seed`; the rare label gets one row in ten.
    static func rows(_ count: Int, seed: UInt64) -> (texts: [String], labels: [String]) {
        var rng = SplitMix64(seed: seed)
        var texts: [String] = [], labels: [String] = []
        for i in 0..<count {
            let group = i % 10 == 9 ? phrases[3] : phrases[i % 3]
            let phrase = group.texts[Int(rng.next() % UInt64(group.texts.count))]
            let before = noise[Int(rng.next() % UInt64(noise.count))], after = noise[Int(rng.next() % UInt64(noise.count))]
            texts.append("\(before) \(phrase) \(after) #\(rng.next() % 1000)")
            labels.append(group.label)
        }
        return (texts, labels)
    }

    static let outOfScope = ["what is the weather in paris", "tell me a joke", "who won the game last night",
                             "play some jazz", "how tall is mount everest", "book a table for two"]

    /// A model trained with early stopping on the in-scope validation rows, and all 28
    /// validation rows (22 in scope, 6 labeled "other").
    static func trained() throws -> (ModelContents, LabeledDataset) {
        let train = rows(80, seed: 1), valid = rows(22, seed: 2)
        var p = TrainingParameters()
        p.features.bucketBits = 14
        p.threads = 1
        let (model, _) = try Trainer.train(texts: train.texts, labels: train.labels,
                                           validation: (valid.texts, valid.labels), parameters: p)
        let all = LabeledDataset(texts: valid.texts + outOfScope,
                                 labels: valid.labels + [String](repeating: "other", count: outOfScope.count))
        return (model, all)
    }
}

@Suite struct SmallCalibrationTests {
    @Test func temperatureStaysMeaningfulOnSmallValidationSets() throws {
        let (model, val) = try SmallTickets.trained()
        let (calibrated, report) = try Calibrator.calibrate(model, on: val, unknownLabel: "other",
                                                           objective: .accuracy, threads: 1)
        let t = report.calibration.temperature
        #expect(Double(t) > TemperatureFit.range.lowerBound * 10, "temperature \(t) collapsed towards the bound")
        #expect((report.calibration.threshold ?? 1) < 0.999, "threshold \(report.calibration.threshold ?? 1)")
        // Out-of-scope text is no longer answered with certainty.
        let classifier = try Classifier(contents: calibrated)
        let weather = classifier.predict("what is the weather in paris", scratch: FeatureScratch())
        #expect(weather.probability < 0.99, "confidence \(weather.probability)")
        // 22 in-scope rows for 4 labels is too few to trust: the report says so.
        #expect(report.warnings.contains(.fewRows(rows: 22, labels: 4)))
        #expect(!report.warnings.contains { if case .temperatureAtBound = $0 { true } else { false } })
    }

    @Test func coverageTargetIsMetOnSmallValidationSets() throws {
        let (model, val) = try SmallTickets.trained()
        for target in [0.5, 0.8] {
            let (_, report) = try Calibrator.calibrate(model, on: val, unknownLabel: "other",
                                                       objective: .coverage(target), threads: 1)
            // One row is 1/28 ≈ 0.036 of coverage: the choice may exceed the target by at most that.
            let achieved = report.validation.coverage
            #expect(achieved >= target - 1e-9 && achieved <= target + 1.0 / 28 + 1e-9, "target \(target): \(achieved)")
            #expect(!report.warnings.contains { if case .coverageOvershoot = $0 { true } else { false } })
        }
    }

    @Test func perfectSeparationIsHeldByThePrior() {
        // Two rows the scores separate perfectly: without the prior the likelihood alone drives
        // the temperature to the lower bound; with it the fit is finite and says why.
        let separated = ScoreTable(labelCount: 2, scores: [5, 0, 0, 5], hasFeatures: [true, true])
        let bare = TemperatureFit.fitDetails(separated, targets: [0, 1], priorRows: 0)
        #expect(bare.temperature == Float(TemperatureFit.range.lowerBound) && bare.hitBound)
        let held = TemperatureFit.fitDetails(separated, targets: [0, 1])
        #expect(held.separated && !held.hitBound)
        #expect(held.temperature > 0.1 && held.temperature < 1, "temperature \(held.temperature)")
        // It minimizes the regularized objective: NLL + priorRows · (ln T)² / rows.
        func objective(_ t: Double) -> Double {
            TemperatureFit.negativeLogLikelihood(separated, targets: [0, 1], temperature: t)
                + TemperatureFit.priorRows * log(t) * log(t) / 2
        }
        let t = Double(held.temperature)
        #expect(objective(t) < objective(t * 1.05) && objective(t) < objective(t / 1.05))
    }

    @Test func tiesAtCertaintyWarnOnlyWhenTheyMatter() throws {
        let fit = TemperatureFit.Result(temperature: 1, rows: 100, hitBound: false, separated: false)
        func warnings(certain: Int, of n: Int) throws -> [CalibrationWarning] {
            let rows = (0..<n).map { AbstentionRow(confidence: $0 < certain ? 1 : 0.5 + Float($0) / Float(4 * n),
                                                   correct: true, unknown: false) }
            let choice = try ThresholdSelection.choose(rows, objective: .accuracy)
            return CalibrationWarning.check(fit: fit, fitted: true, rows: rows, inScope: n, labels: 2,
                                            objective: .accuracy, choice: choice)
        }
        #expect(try warnings(certain: 20, of: 28).contains(.tiedAtCertainty(rows: 20)))
        #expect(try warnings(certain: 10, of: 3100).isEmpty)  // CLINC150-sized: harmless
    }

    @Test func warningsNameWhatToDo() {
        let text = CalibrationWarning.fewRows(rows: 22, labels: 4).description
        #expect(text.contains("22") && text.contains("add validation rows"))
    }
}
