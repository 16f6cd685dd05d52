import Switchboard
import SwitchboardTraining
import Testing

@Suite struct EarlyStoppingTests {
    /// On small data the validation accuracy is often perfect from the first epoch. The kept
    /// epoch must then be the one with the lowest validation loss among the most accurate, not
    /// the first of them (an underfit model whose confidences are far too low).
    @Test func accuracyTiesGoToTheLowerValidationLoss() throws {
        let train = SmallTickets.rows(80, seed: 1), valid = SmallTickets.rows(22, seed: 2)
        var p = TrainingParameters()
        p.features.bucketBits = 14
        p.threads = 1
        p.refineIterations = 0 // the epoch choice alone: a refinement would report its own accuracy
        let (_, report) = try Trainer.train(texts: train.texts, labels: train.labels,
                                            validation: (valid.texts, valid.labels), parameters: p)
        let accuracies = report.history.compactMap(\.validationAccuracy)
        let best = try #require(accuracies.max())
        let firstBest = try #require(accuracies.firstIndex(of: best)) + 1
        let tied = report.history.filter { $0.validationAccuracy == best }
        let lowest = try #require(tied.min { ($0.validationLoss ?? .infinity) < ($1.validationLoss ?? .infinity) })
        #expect(report.bestEpoch == lowest.epoch)
        #expect(report.bestEpoch > firstBest, "accuracy \(best) first at epoch \(firstBest), kept \(report.bestEpoch)")
        #expect(report.validationAccuracy == best)
    }

    /// The loss tie-break keeps a deterministic model: same data and seed, same bytes.
    @Test func stillByteIdentical() throws {
        let train = SmallTickets.rows(80, seed: 1), valid = SmallTickets.rows(22, seed: 2)
        var p = TrainingParameters()
        p.features.bucketBits = 12
        func model(threads: Int) throws -> [UInt8] {
            p.threads = threads
            let (contents, _) = try Trainer.train(texts: train.texts, labels: train.labels,
                                                  validation: (valid.texts, valid.labels), parameters: p)
            return try ModelFile.encode(contents)
        }
        #expect(try model(threads: 1) == model(threads: 3))
    }
}
