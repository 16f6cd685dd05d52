import SwitchboardData
import Foundation
import Switchboard
import SwitchboardTraining
import Testing

/// Four routes with overlapping words (so some rows are misrouted), uneven sizes (8 to 14 rows).
private func routes() -> LabeledDataset {
    let vocab = [("billing", ["refund", "charge", "card", "money", "invoice", "paid"]),
                 ("login", ["password", "login", "account", "reset", "locked", "code"]),
                 ("shipping", ["parcel", "package", "delivery", "track", "late", "card"]),
                 ("weather", ["rain", "sunny", "cold", "forecast", "wind", "late"])]
    let sizes = [14, 11, 9, 8]
    var texts: [String] = [], labels: [String] = []
    for ((label, words), size) in zip(vocab, sizes) {
        for i in 0..<size {
            let other = vocab[(i + 1) % vocab.count].1[i % 6]
            texts.append("\(words[i % 6]) \(words[(i * 5 + 1) % 6]) \(i % 3 == 0 ? other : "please") \(i)")
            labels.append(label)
        }
    }
    // Interleave the labels, so data order is not label order.
    let order = (0..<texts.count).sorted { ($0 * 7) % texts.count < ($1 * 7) % texts.count }
    return LabeledDataset(texts: order.map { texts[$0] }, labels: order.map { labels[$0] },
                          lines: order.map { $0 + 2 }, source: "routes.csv")
}

private func quick() -> TrainingParameters {
    var p = TrainingParameters()
    p.features.bucketBits = 12
    p.epochs = 5
    return p
}

@Test func foldsAreStratifiedBalancedAndFixedBySeed() throws {
    let data = routes()
    let folds = try StratifiedFolds(labels: data.labels, folds: 4, seed: 7, policy: .fail)
    #expect(folds.fold.allSatisfy { (0..<4).contains($0) })
    let sizes = (0..<4).map { folds.testRows($0).count }
    #expect(sizes.max()! - sizes.min()! <= 1, "fold sizes \(sizes)")
    for label in Set(data.labels) {
        let perFold = (0..<4).map { k in folds.testRows(k).filter { data.labels[$0] == label }.count }
        #expect(perFold.max()! - perFold.min()! <= 1, "\(label) per fold \(perFold)")
    }
    for k in 0..<4 { #expect(Set(folds.testRows(k)).isDisjoint(with: folds.trainingRows(k))) }
    #expect(try StratifiedFolds(labels: data.labels, folds: 4, seed: 7, policy: .fail) == folds)
    #expect(try StratifiedFolds(labels: data.labels, folds: 4, seed: 8, policy: .fail).fold != folds.fold)
}

@Test func refusesBadFoldCountsAndSmallLabelsUnlessTold() throws {
    let data = routes()
    #expect(throws: CrossValidationError.invalidFoldCount(folds: 1, rows: data.count)) {
        try StratifiedFolds(labels: data.labels, folds: 1, seed: 1, policy: .merge)
    }
    #expect(throws: CrossValidationError.self) { try StratifiedFolds(labels: data.labels, folds: data.count + 1, seed: 1, policy: .merge) }
    do {
        _ = try StratifiedFolds(labels: data.labels, folds: 10, seed: 1, policy: .fail)
        Issue.record("10 folds with labels of 8 and 9 rows must be refused")
    } catch {
        #expect(error.description.contains("\"weather\" (8), \"shipping\" (9)"), "\(error)")
        #expect(error.description.contains("--folds 8 or less"), "\(error)")
    }
    let dropped = try StratifiedFolds(labels: data.labels, folds: 10, seed: 1, policy: .drop)
    #expect(dropped.smallLabels == ["shipping", "weather"])
    for (fold, label) in zip(dropped.fold, data.labels) { #expect((fold == -1) == (label == "shipping" || label == "weather")) }
    let merged = try StratifiedFolds(labels: data.labels, folds: 10, seed: 1, policy: .merge)
    #expect(merged.fold.allSatisfy { $0 >= 0 })
    #expect(throws: CrossValidationError.self) { try StratifiedFolds(labels: data.labels, folds: 12, seed: 1, policy: .drop) }
}

@Test func resultsAreTheSameWhateverTheThreadCount() throws {
    let data = routes()
    let folds = try StratifiedFolds(labels: data.labels, folds: 4, seed: 3, policy: .fail)
    let one = try CrossValidator.run(data, folds: folds, parameters: quick(), threads: 1)
    let three = try CrossValidator.run(data, folds: folds, parameters: quick(), threads: 3)
    #expect(one.predictions == three.predictions)
    #expect(one.folds.map(\.metrics.accuracy) == three.folds.map(\.metrics.accuracy))
    #expect(one.accuracy == three.accuracy && one.macroF1 == three.macroF1 && one.perLabel == three.perLabel)
    #expect(OutOfFoldFile.csv(one, data: data) == OutOfFoldFile.csv(three, data: data))
}

@Test func outOfFoldPredictionsComeFromTheModelThatDidNotSeeTheRow() throws {
    let data = routes()
    let folds = try StratifiedFolds(labels: data.labels, folds: 3, seed: 5, policy: .fail)
    let result = try CrossValidator.run(data, folds: folds, parameters: quick(), threads: 2)
    #expect(result.predictions.map(\.row) == Array(0..<data.count))
    for p in result.predictions { #expect(folds.fold[p.row] == p.fold) }
    let train = folds.trainingRows(1)
    var p = quick()
    p.threads = 1
    let (contents, _) = try Trainer.train(texts: train.map { data.texts[$0] }, labels: train.map { data.labels[$0] }, parameters: p)
    let classifier = try Classifier(contents: contents)
    for row in folds.testRows(1) {
        let oof = result.predictions[row]
        #expect(oof.predicted == classifier.predictedLabel(for: data.texts[row]))
    }
    let correct = result.predictions.filter { $0.predicted == data.labels[$0.row] }.count
    #expect(abs(result.pooledAccuracy - Double(correct) / Double(data.count)) < 1e-12)
    let folded = result.folds.map(\.metrics.accuracy)
    #expect(abs(result.accuracy.mean - folded.reduce(0, +) / 3) < 1e-12)
    for l in result.perLabel { #expect(l.support == data.labels.filter { $0 == l.label }.count) }
}

@Test func outOfFoldFileIsCSVWrittenAtomically() throws {
    let data = routes()
    let folds = try StratifiedFolds(labels: data.labels, folds: 2, seed: 5, policy: .fail)
    let result = try CrossValidator.run(data, folds: folds, parameters: quick(), threads: 2)
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("oof-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try OutOfFoldFile.write(result, data: data, to: dir + "/oof.csv")
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["oof.csv"])
    let back = try LabeledDataset.load(path: dir + "/oof.csv", textColumn: .name("text"), labelColumn: .name("label"))
    #expect(back.texts == data.texts && back.labels == data.labels)
    let predicted = try LabeledDataset.load(path: dir + "/oof.csv", textColumn: .name("line"), labelColumn: .name("predicted"))
    #expect(predicted.texts == data.lines.map(String.init))
    #expect(predicted.labels == result.predictions.map(\.predicted))
    #expect(throws: CrossValidationError.self) { try OutOfFoldFile.write(result, data: data, to: dir + "/missing/oof.csv") }
}

@Test func searchGridsParseAndRefuseBadKeys() throws {
    let base = TrainingParameters()
    #expect(try OptionSearch.candidates(OptionSearch.builtInGrid, base: base).count == 12)
    let auto = try OptionSearch.candidates(OptionSearch.autoSpace, base: base)
    #expect(auto.count == 18 && auto.contains(SearchCandidate(base)))
    let custom = try OptionSearch.candidates("epochs=3,4; l2=0,0.001", base: base)
    #expect(custom.map(\.epochs) == [3, 3, 4, 4] && custom.map(\.l2) == [0, 0.001, 0, 0.001])
    #expect(custom.allSatisfy { $0.bucketBits == base.features.bucketBits })
    for bad in ["colour=1", "epochs=x", "epochs", "epochs=0", "epochs=2;epochs=3", "bucket-bits=40"] {
        #expect(throws: CrossValidationError.self, "\(bad)") { try OptionSearch.candidates(bad, base: base) }
    }
}

@Test func successiveHalvingKeepsTheBestThirdAndIsDeterministic() throws {
    let data = routes()
    let folds = try StratifiedFolds(labels: data.labels, folds: 5, seed: 2, policy: .merge)
    let candidates = try OptionSearch.candidates("learning-rate=0.01,1,4;epochs=1,5,10", base: quick())
    let one = try OptionSearch.auto(data, folds: folds, candidates: candidates, base: quick(), threads: 1)
    let two = try OptionSearch.auto(data, folds: folds, candidates: candidates, base: quick(), threads: 2)
    #expect(one.rounds == [9, 3, 1] && one.fits == 9 + 3 * 2 + 1 * 2)
    #expect(OptionSearch.plannedFits(candidates: 9, schedule: [1, 3, 5]) == one.fits)
    #expect(one.winner == two.winner && one.best.predictions == two.best.predictions)
    #expect(one.trials.map(\.accuracy) == two.trials.map(\.accuracy))
    let winner = one.trials[one.winner]
    #expect(winner.folds == [0, 1, 2, 3, 4])
    let round2 = one.trials.filter { $0.folds.count >= 3 }
    #expect(round2.count == 3)
    let foldZero = try CrossValidator.evaluate(data, folds: folds, jobs: candidates.map { FoldJob(parameters: $0.applied(to: quick()), semantic: nil, fold: 0) }, threads: 2)
    let cut = foldZero.map(\.metrics.accuracy).sorted(by: >)[2]
    for t in round2 {
        let i = one.trials.firstIndex { $0.candidate == t.candidate }!
        #expect(foldZero[i].metrics.accuracy >= cut, "a survivor of round 1 must be among the best 3 on fold 0")
    }
    let grid = try OptionSearch.grid(data, folds: folds, candidates: candidates, base: quick(), threads: 2)
    #expect(grid.fits == 45 && grid.trials.allSatisfy { $0.folds.count == 5 })
    let best = grid.trials.map(\.accuracy.mean).max()!
    #expect(grid.trials[grid.winner].accuracy.mean == best)
}

/// The semantic model of `SemanticTrainerTests`, cross-validated: what `train` with a pack makes.
private func semanticSettings(weight: Float = 1) throws -> SemanticSettings {
    SemanticSettings(pack: try SemanticTrainerTests.pack(), packChecksum: 0xABC, dimensions: 8, weight: weight, batchSize: 7)
}

@Test func semanticFoldsAreTheModelTrainMakesWhateverTheThreadCount() throws {
    let (texts, labels) = SemanticTrainerTests.data()
    let data = LabeledDataset(texts: texts, labels: labels, lines: texts.indices.map { $0 + 2 }, source: "semantic.csv")
    let folds = try StratifiedFolds(labels: labels, folds: 3, seed: 4, policy: .fail)
    var p = quick()
    p.epochs = 3
    let settings = try semanticSettings()
    let one = try CrossValidator.run(data, folds: folds, parameters: p, semantic: settings, threads: 1)
    let three = try CrossValidator.run(data, folds: folds, parameters: p, semantic: settings, threads: 3)
    #expect(one.predictions == three.predictions)
    #expect(one.folds.map(\.metrics.accuracy) == three.folds.map(\.metrics.accuracy))
    p.threads = 1
    let train = folds.trainingRows(2)
    let (contents, _) = try Trainer.train(texts: train.map { texts[$0] }, labels: train.map { labels[$0] }, parameters: p,
                                          semantic: settings)
    #expect(contents.semantic != nil)
    let classifier = try Classifier(contents: contents)
    for row in folds.testRows(2) {
        #expect(one.predictions[row].confidence == classifier.predictions(for: [texts[row]], threads: 1)[0].probability)
    }
}

@Test func searchVariesTheEmbeddingWeightOnlyWithAPack() throws {
    let base = quick()
    #expect(throws: CrossValidationError.embeddingWeightWithoutPack) {
        try OptionSearch.candidates("embedding-weight=0.5,1", base: base)
    }
    let settings = try semanticSettings()
    let candidates = try OptionSearch.candidates("epochs=2,4;embedding-weight=0.5,2", base: base, semantic: settings)
    #expect(candidates.map(\.embeddingWeight) == [0.5, 2, 0.5, 2])
    #expect(candidates[1].applied(to: settings)?.weight == 2 && candidates[1].applied(to: nil) == nil)
    #expect(try OptionSearch.candidates("epochs=2", base: base, semantic: settings).allSatisfy { $0.embeddingWeight == 1 })
    #expect(try OptionSearch.candidates("epochs=2", base: base).allSatisfy { $0.embeddingWeight == nil })
    #expect(throws: CrossValidationError.self) {
        try OptionSearch.candidates("embedding-weight=0", base: base, semantic: settings)
    }
    let (texts, labels) = SemanticTrainerTests.data()
    let data = LabeledDataset(texts: texts, labels: labels, lines: texts.indices.map { $0 + 2 }, source: "semantic.csv")
    let folds = try StratifiedFolds(labels: labels, folds: 2, seed: 4, policy: .fail)
    var p = base
    p.epochs = 2
    let weights = try OptionSearch.candidates("embedding-weight=0.25,4", base: p, semantic: settings)
    let search = try OptionSearch.grid(data, folds: folds, candidates: weights, base: p, semantic: settings, threads: 2)
    let direct = try CrossValidator.run(data, folds: folds, parameters: p, semantic: weights[1].applied(to: settings), threads: 1)
    #expect(search.trials[1].accuracy == direct.accuracy)
}
