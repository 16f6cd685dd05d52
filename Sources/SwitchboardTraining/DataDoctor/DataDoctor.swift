import SwitchboardData
import Switchboard

/// What `DataDoctor.examine` trains and how.
public struct DoctorOptions: Sendable {
    /// Folds for the out-of-fold predictions.
    public var folds = 5
    /// Options of the model whose out-of-fold predictions find label errors (the model `train` makes).
    public var parameters = TrainingParameters()
    /// Its semantic block, or nil for n-grams only.
    public var semantic: SemanticSettings? = nil
    /// Look for label errors (the slow part: one training per fold).
    public var labelErrors = true
    public var threads = 1

    public init() {}
}

/// Finds what is wrong with a training set (and a test set beside it) before any model is trained
/// on it: conflicts, leaks, suspected label errors, near-duplicates, small or imbalanced labels,
/// empty, short and id-like texts.
public enum DataDoctor {
    /// Below 10 rows a label is reported as small: at 5 folds each fold tests two rows of it or
    /// fewer, so neither the model nor any estimate of it can be trusted for that label.
    public static let smallLabelRows = 10
    /// The largest label with 10 times the rows of the smallest is a strong imbalance: with
    /// uniform class weights the small label's rows barely move the shared bias.
    public static let imbalanceRatio = 10
    /// Texts are near-duplicates when the Jaccard similarity of their hashed word and character
    /// n-gram sets is at least 0.8: queries that differ in one word of a long query or in a suffix
    /// ("what is my balance" / "what's my balance"), while paraphrases that share half their
    /// n-grams are not.
    public static let nearDuplicateJaccard = 0.8
    /// A text column is reported as id-like when at least half its texts look like identifiers.
    public static let idLikeShare = 0.5

    /// Examines `train` (and `test`, for leaks). The findings are ordered most harmful kind first.
    /// Throws `CrossValidationError` for an impossible fold count and the trainer's errors.
    /// - Complexity: near-duplicates and leaks cost O(n log n) through `MinHashIndex`; label
    ///   errors cost one training per fold.
    public static func examine(_ train: LabeledDataset, test: LabeledDataset? = nil, options: DoctorOptions,
                               progress: CrossValidator.Progress? = nil) throws -> DoctorReport {
        let extractor = FeatureExtractor(FeatureConfiguration(bucketBits: FeatureConfiguration.bucketBitsRange.upperBound))
        let scan = DuplicateScan(train: train, test: test, extractor: extractor, threads: options.threads)
        let exactGroups = scan.exactGroups()
        let exact = DuplicateScan.membership(exactGroups, count: train.count)
        let (conflicts, repeats) = scan.conflicts(exactGroups)
        let index = MinHashIndex(texts: train.texts + (test?.texts ?? []), extractor: extractor, threads: options.threads)
        var keys: [String: Int] = [:]
        for g in exactGroups { keys[extractor.normalizedWords(of: train.texts[g[0]]).joined(separator: " ")] = g[0] }
        var findings = conflicts + scan.leaks(combined: index, exactKeys: keys)
        findings += scan.nearDuplicates(index: index, exact: exact)
        findings += TextChecks(data: train, extractor: extractor, row: scan.row).findings()
        findings += labelFindings(train, row: scan.row)
        var accuracy: Double?, folds = 0
        if options.labelErrors && Set(train.labels).count > 1 {
            let (suspects, acc) = try labelErrors(train, options: options, row: scan.row, progress: progress)
            findings += suspects
            accuracy = acc
            folds = options.folds
        }
        let ordered = findings.enumerated().sorted { a, b in
            a.element.kind != b.element.kind ? a.element.kind < b.element.kind : a.offset < b.offset
        }.map(\.element)
        return DoctorReport(findings: ordered, trainingRowCount: train.count, testRowCount: test?.count ?? 0,
                            labelCount: Set(train.labels).count, duplicateRowCount: repeats,
                            outOfFoldAccuracy: accuracy, folds: folds)
    }

    /// Small labels (one finding each, smallest first) and a strong imbalance.
    static func labelFindings(_ data: LabeledDataset, row: (Int) -> DoctorRow) -> [DoctorFinding] {
        var rows: [String: [Int]] = [:]
        for (i, l) in data.labels.enumerated() { rows[l, default: []].append(i) }
        let sizes = rows.map { ($0.key, $0.value.count) }.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }
        var findings = sizes.filter { $0.1 < smallLabelRows }.map { label, count in
            DoctorFinding(kind: .smallLabel, message: "label \"\(label)\" has \(count) row\(count == 1 ? "" : "s") (fewer than \(smallLabelRows))",
                          rows: rows[label]!.map(row))
        }
        if let small = sizes.first, let large = sizes.last, large.1 >= imbalanceRatio * small.1 {
            findings.append(DoctorFinding(
                kind: .imbalance,
                message: "\"\(large.0)\" has \(large.1) rows and \"\(small.0)\" \(small.1): \(large.1 / small.1)× apart "
                    + "(consider --class-weight balanced, or more rows for the small labels)",
                rows: []))
        }
        return findings
    }

    /// Suspected label errors from out-of-fold predictions, and the out-of-fold accuracy.
    static func labelErrors(_ data: LabeledDataset, options: DoctorOptions, row: (Int) -> DoctorRow,
                            progress: CrossValidator.Progress?) throws -> ([DoctorFinding], Double) {
        let folds = try StratifiedFolds(labels: data.labels, folds: options.folds, seed: options.parameters.seed, policy: .merge)
        let scores = try OutOfFoldScores.compute(data, folds: folds, parameters: options.parameters,
                                                 semantic: options.semantic, threads: options.threads, progress: progress)
        let small = Set(folds.smallLabels.compactMap { scores.labels.firstIndex(of: $0) })
        let scored = data.labels.indices.filter { scores.givenProbability[$0] != nil }
        let right = scored.filter { scores.predicted($0) == scores.given[$0] }.count
        let findings = ConfidentLearning.suspects(scores, skip: small).map { s in
            DoctorFinding(kind: .suspectedLabelError,
                          message: "labeled \"\(data.labels[s.row])\"; the out-of-fold model says \"\(scores.labels[s.suggested])\"",
                          rows: [row(s.row)], suggestedLabel: scores.labels[s.suggested], score: Double(s.margin))
        }
        return (findings, scored.isEmpty ? 0 : Double(right) / Double(scored.count))
    }
}
