import SwitchboardData
import Foundation
import Switchboard
@testable import SwitchboardTraining
import Testing

/// Three routes with their own words, 30 rows each; `flip` gives those rows the next route's label.
private func routes(flip: Set<Int> = []) -> LabeledDataset {
    let vocab = [("billing", ["refund", "charge", "invoice", "payment", "receipt", "bill"]),
                 ("login", ["password", "login", "account", "locked", "username", "signin"]),
                 ("weather", ["rain", "sunny", "forecast", "wind", "snow", "storm"])]
    var texts: [String] = [], labels: [String] = []
    for i in 0..<90 {
        let (_, words) = vocab[i % 3]
        texts.append("\(words[i % 6]) \(words[(i / 3 + 2) % 6]) \(words[(i / 7 + 4) % 6]) number \(i)")
        labels.append(vocab[(i % 3 + (flip.contains(i) ? 1 : 0)) % 3].0)
    }
    return LabeledDataset(texts: texts, labels: labels, lines: texts.indices.map { $0 + 2 }, source: "routes.csv")
}

private func options(labelErrors: Bool, threads: Int = 1) -> DoctorOptions {
    var o = DoctorOptions()
    o.labelErrors = labelErrors
    o.parameters.features.bucketBits = 12
    o.parameters.epochs = 10
    o.threads = threads
    return o
}

private func findings(_ r: DoctorReport, _ kind: DoctorFindingKind) -> [DoctorFinding] {
    r.findings.filter { $0.kind == kind }
}

@Test func conflictsAreFoundAfterNormalizationAndSameLabelRepeatsCounted() throws {
    var data = routes()
    data.texts += ["Reset my PASSWORD!", "reset my password", "reset  my password", data.texts[0].uppercased()]
    data.labels += ["login", "billing", "login", data.labels[0]]
    data.lines += [92, 93, 94, 95]
    let r = try DataDoctor.examine(data, options: options(labelErrors: false))
    let conflicts = findings(r, .conflict)
    #expect(conflicts.count == 1)
    #expect(conflicts.first?.rows.map(\.line) == [92, 93, 94])
    #expect(conflicts.first?.rows.first?.location == "routes.csv:92")
    #expect(r.duplicateRowCount == 2, "one repeat of login's text, one of row 0's")
    #expect(r.hasBlockingFindings)
    #expect(r.findings.first?.kind == .conflict, "the most harmful kind first")
}

@Test func leaksAreExactOrNearAndNameBothRows() throws {
    let data = routes()
    let test = LabeledDataset(texts: [data.texts[5] + "!", "rain sunny forecast snow storm wind number 7x", "completely unrelated words"],
                              labels: ["a", "b", "c"], lines: [2, 3, 4], source: "test.csv")
    var longer = data
    longer.texts.append("rain sunny forecast snow storm wind number 7")
    longer.labels.append("weather"); longer.lines.append(92)
    let r = try DataDoctor.examine(longer, test: test, options: options(labelErrors: false))
    let leaks = findings(r, .leak)
    #expect(leaks.map { $0.rows[0].location } == ["test.csv:2", "test.csv:3"])
    #expect(leaks.first?.rows.last?.line == 7 && leaks.first?.score == 1)
    #expect(leaks.last?.rows.last?.line == 92)
    #expect((leaks.last?.score).map { $0 >= DataDoctor.nearDuplicateJaccard && $0 < 1 } == true)
}

@Test func nearDuplicatesAcrossLabelsOnly() throws {
    var data = routes()
    data.texts += ["cancel my card order today", "today cancel my card order", "cancel my card order today now",
                   "cancel my card order today please"]
    data.labels += ["billing", "login", "billing", "billing"]
    data.lines += [92, 93, 94, 95]
    let near = findings(try DataDoctor.examine(data, options: options(labelErrors: false)), .nearDuplicate)
    #expect(near.contains { $0.rows.map(\.line) == [92, 93] && $0.message.contains("same words") })
    #expect(near.contains { Set($0.rows.map(\.line)) == [93, 94] || Set($0.rows.map(\.line)) == [93, 95] })
    #expect(!near.contains { Set($0.rows.map(\.line)).isSubset(of: [92, 94, 95]) }, "same label: not a finding")
}

@Test func flippedLabelsAreTheTopSuspectsWithTheirTrueLabel() throws {
    let flipped: Set<Int> = [4, 31, 62]
    let clean = routes()
    let r = try DataDoctor.examine(routes(flip: flipped), options: options(labelErrors: true))
    let suspects = findings(r, .suspectedLabelError)
    let top = suspects.prefix(3).map { $0.rows[0].line - 2 }
    #expect(Set(top) == flipped, "top suspects \(top)")
    for s in suspects.prefix(3) { #expect(s.suggestedLabel == clean.labels[s.rows[0].line - 2]) }
    #expect((suspects.first?.score ?? 0) > 0.3)
    #expect(r.folds == 5 && (r.outOfFoldAccuracy ?? 1) < 1)
}

@Test func theReportIsTheSameWhateverTheThreadCount() throws {
    var data = routes(flip: [4, 31])
    data.texts.append("rain rain"); data.labels.append("login"); data.lines.append(92)
    let reports = try [1, 3].map { try DataDoctor.examine(data, options: options(labelErrors: true, threads: $0)) }
    let summary = reports.map { $0.findings.map { "\($0.kind) \($0.message) \($0.rows.map(\.line)) \($0.score ?? -1)" } }
    #expect(summary[0] == summary[1])
    #expect(reports[0].outOfFoldAccuracy == reports[1].outOfFoldAccuracy)
}

@Test func smallLabelsImbalanceEmptyShortAndIDLikeTexts() throws {
    var data = routes()
    data.texts += ["!!!", "hello", "ok", "ok"]
    data.labels += ["tiny", "tiny", "tiny", "billing"]
    data.lines += [92, 93, 94, 95]
    let r = try DataDoctor.examine(data, options: options(labelErrors: false))
    #expect(findings(r, .smallLabel).map(\.message) == ["label \"tiny\" has 3 rows (fewer than 10)"])
    #expect(findings(r, .imbalance).first?.message.contains("\"billing\" has 31 rows and \"tiny\" 3") == true)
    #expect(findings(r, .emptyText).first?.rows.map(\.line) == [92])
    #expect(findings(r, .shortText).first?.rows.map(\.line) == [93, 94, 95])
    #expect(findings(r, .idLikeTexts).isEmpty)
    let ids = LabeledDataset(texts: ["3f2a9c1e-77b0", "order 1", "88213004", "a1b2c3d4e5"], labels: ["a", "b", "a", "b"])
    #expect(findings(try DataDoctor.examine(ids, options: options(labelErrors: false)), .idLikeTexts).count == 1)
    #expect(TextChecks.looksLikeID("deadbeef42") && !TextChecks.looksLikeID("password") && !TextChecks.looksLikeID("12 34 56"))
}

@Test func minHashPairsSimilarTextsAndNotUnrelatedOnes() {
    let extractor = FeatureExtractor(FeatureConfiguration(bucketBits: 20))
    let texts = ["how do i reset my password", "how do i reset my password now", "what is the weather in paris"]
    let index = MinHashIndex(texts: texts, extractor: extractor, threads: 2)
    let pairs = index.candidates { _, _ in true }
    #expect(pairs.contains { $0 == (0, 1) })
    #expect(!pairs.contains { $0.1 == 2 })
    #expect(MinHashIndex(texts: texts, extractor: extractor, threads: 1).keys == index.keys)
    #expect(index.jaccard(texts[0], texts[0], scratch: FeatureScratch()) == 1)
}

@Test func confidentLearningThresholdsAreMeanSelfConfidence() {
    var s = OutOfFoldScores(labels: ["a", "b"], given: [0, 0, 1, 1], givenProbability: [0.9, 0.1, 0.8, 0.6],
                            top: Array(repeating: (-1, 0), count: 4 * OutOfFoldScores.kept))
    let tops: [[(Int32, Float)]] = [[(0, 0.9), (1, 0.1)], [(1, 0.9), (0, 0.1)], [(1, 0.8), (0, 0.2)], [(1, 0.6), (0, 0.4)]]
    for (i, t) in tops.enumerated() { for (k, e) in t.enumerated() { s.top[i * OutOfFoldScores.kept + k] = e } }
    let t = ConfidentLearning.thresholds(s).map { $0 ?? -1 }
    #expect(abs(t[0] - 0.5) < 1e-6 && abs(t[1] - 0.7) < 1e-6, "\(t)")
    let found = ConfidentLearning.suspects(s)
    #expect(found.map(\.row) == [1] && found.map(\.suggested) == [1], "row 3 is under both thresholds: no suspect")
    #expect(abs((found.first?.margin ?? 0) - 0.8) < 1e-6)
    #expect(ConfidentLearning.suspects(s, skip: [0]).isEmpty)
}
