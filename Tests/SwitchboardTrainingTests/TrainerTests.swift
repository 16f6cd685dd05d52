import SwitchboardData
import Foundation
import Switchboard
import SwitchboardTraining
import Testing

/// Paths relative to the package root, found from this file's location.
enum Paths {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static func data(_ name: String) -> String { root + "/Data/" + name }
    static func shared(_ name: String) -> String { root + "/../shared/datasets/" + name }
}

/// Plain accuracy of a model on a labeled set.
func accuracyOf(_ contents: ModelContents, on test: LabeledDataset) throws -> Double {
    let classifier = try Classifier(contents: contents)
    let predictions = classifier.predictions(for: test.texts, threads: 2)
    let correct = zip(predictions, test.labels).filter { p, l in p.labelIndex >= 0 && classifier.labels[p.labelIndex] == l }.count
    return Double(correct) / Double(test.count)
}

@Suite struct TrainerTests {
    func tiny(_ threads: Int = 1, seed: UInt64 = 7) throws -> ModelContents {
        var p = TrainingParameters()
        p.features.bucketBits = 12
        p.epochs = 5
        p.threads = threads
        p.seed = seed
        let texts = (0..<600).map { i in ["refund my money \(i % 7)", "reset password \(i % 5)", "app crashes \(i % 3)"][i % 3] }
        let labels = (0..<600).map { ["refund", "password", "bug"][$0 % 3] }
        return try Trainer.train(texts: texts, labels: labels, parameters: p).0
    }

    @Test func sameModelBytesForAnyThreadCount() throws {
        let one = try ModelFile.encode(tiny(1))
        let two = try ModelFile.encode(tiny(2))
        let eight = try ModelFile.encode(tiny(8))
        #expect(one == two)
        #expect(one == eight)
    }

    @Test func seedChangesModel() throws {
        #expect(try ModelFile.encode(tiny(1, seed: 1)) != ModelFile.encode(tiny(1, seed: 2)))
    }

    @Test func learnsSeparableData() throws {
        let c = try Classifier(contents: tiny())
        #expect(c.predictedLabel(for: "please refund me") == "refund")
        #expect(c.predictedLabel(for: "forgot password") == "password")
        #expect(c.predictedLabel(for: "the app crashes") == "bug")
        #expect(c.predictedLabel(for: "?!") == nil)
        let h = c.predictedLabelHypotheses(for: "refund", maximumCount: 3)
        #expect(h.count == 3)
        #expect(abs(h.values.reduce(0, +) - 1) < 1e-4)
    }

    @Test func rejectsSingleLabelAndEmptyInput() {
        #expect(throws: TrainingError.singleLabel("a")) {
            try Trainer.train(texts: ["x", "y"], labels: ["a", "a"], parameters: TrainingParameters())
        }
        #expect(throws: TrainingError.noExamples) {
            try Trainer.train(texts: [], labels: [], parameters: TrainingParameters())
        }
        var bad = TrainingParameters()
        bad.epochs = 0
        #expect(throws: TrainingError.self) { try Trainer.train(texts: ["x", "y"], labels: ["a", "b"], parameters: bad) }
    }

    @Test func validationKeepsBestEpochAndReportsIt() throws {
        var p = TrainingParameters()
        p.features.bucketBits = 12
        p.epochs = 6
        p.validationFraction = 0.2
        let texts = (0..<300).map { i in ["refund my money \(i)", "reset password \(i)"][i % 2] }
        let labels = (0..<300).map { ["refund", "password"][$0 % 2] }
        let (_, report) = try Trainer.train(texts: texts, labels: labels, parameters: p)
        #expect(report.validationExamples == 60)
        #expect(report.examples == 240)
        #expect((report.validationAccuracy ?? 0) > 0.9)
        #expect(report.bestEpoch >= 1 && report.bestEpoch <= report.epochs)
    }
}

@Suite struct DemoDataTests {
    @Test func demoDataTrainsAndEvaluatesAboveFloor() throws {
        let train = try LabeledDataset.load(path: Paths.data("train.csv"))
        let test = try LabeledDataset.load(path: Paths.data("test.csv"))
        let (contents, _) = try Trainer.train(texts: train.texts, labels: train.labels, parameters: TrainingParameters())
        let accuracy = try accuracyOf(contents, on: test)
        // Floor set below the measured figure (see README) so that it catches real regressions.
        #expect(accuracy >= 0.75, "demo accuracy \(accuracy)")
    }

    @Test func committedDemoModelIsReproducible() throws {
        let path = Paths.root + "/Models/demo.model"
        let committed = try Data(contentsOf: URL(fileURLWithPath: path))
        let train = try LabeledDataset.load(path: Paths.data("train.csv"))
        var p = TrainingParameters()
        p.seed = 42 // the Makefile's demo seed
        let (contents, _) = try Trainer.train(texts: train.texts, labels: train.labels, parameters: p)
        #expect(try ModelFile.encode(contents) == [UInt8](committed))
    }
}

@Suite struct PublicDatasetTests {
    static let clinc = Paths.shared("clinc150/train.csv")

    @Test(.enabled(if: FileManager.default.fileExists(atPath: clinc), "no CLINC150: run scripts/get-datasets.sh"))
    func clinc150AccuracyFloor() throws {
        let train = try LabeledDataset.load(path: Self.clinc)
        let test = try LabeledDataset.load(path: Paths.shared("clinc150/test.csv"))
        var p = TrainingParameters()
        // The SGD pass alone: the refinement's 50 full passes over 15,000 rows take minutes in a
        // debug build (the scorecard and `make bench` measure the default model in release).
        p.refineIterations = 0
        let (contents, _) = try Trainer.train(texts: train.texts, labels: train.labels, parameters: p)
        let accuracy = try accuracyOf(contents, on: test)
        // n-gram-only SGD: 92.58% with the sequential pass, 92.36% with the default 4 shards
        // (val.csv 92.77% and 92.60%); the floor leaves room for that and catches a real regression.
        #expect(accuracy >= 0.92, "CLINC150 accuracy \(accuracy)")
    }
}
