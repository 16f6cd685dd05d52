import SwitchboardSupport
import SwitchboardData
import Foundation

/// Mean and sample standard deviation (n − 1 in the denominator; 0 for one value).
public struct MeanAndDeviation: Sendable, Equatable {
    public var mean: Double
    public var standardDeviation: Double

    public init(_ values: [Double]) {
        let n = Double(values.count)
        mean = values.isEmpty ? 0 : values.reduce(0, +) / n
        let m = mean
        standardDeviation = values.count < 2 ? 0 : (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / (n - 1)).squareRoot()
    }
}

/// Recall of one label across the folds.
public struct LabelRecallAcrossFolds: Sendable, Equatable {
    public var label: String
    /// Out-of-fold rows with this label.
    public var support: Int
    /// Recall over all its out-of-fold rows.
    public var recall: Double
    /// Mean and deviation of its recall over the folds that test it.
    public var perFold: MeanAndDeviation
}

/// One out-of-fold prediction: the row was predicted by the model trained without its fold.
public struct OutOfFoldPrediction: Sendable, Equatable {
    public var row: Int
    public var fold: Int
    public var predicted: String
    public var confidence: Float
}

/// The figures of a K-fold cross-validation.
public struct CrossValidationResult: Sendable {
    /// The outcome of each fold, in fold order.
    public var folds: [FoldOutcome]
    /// Accuracy over the folds.
    public var accuracy: MeanAndDeviation
    /// Macro-F1 over the folds.
    public var macroF1: MeanAndDeviation
    /// Per label, sorted by byte order.
    public var perLabel: [LabelRecallAcrossFolds]
    /// One per row that took part, by row index.
    public var predictions: [OutOfFoldPrediction]
    /// Labels with fewer rows than folds, and what was done with them.
    public var smallLabels: [String]
    public var policy: SmallLabelPolicy
    /// Accuracy over all out-of-fold predictions pooled.
    public var pooledAccuracy: Double

    /// Combines fold outcomes (in fold order) of `data`.
    public init(data: LabeledDataset, folds: StratifiedFolds, outcomes: [FoldOutcome]) {
        self.folds = outcomes
        accuracy = MeanAndDeviation(outcomes.map(\.metrics.accuracy))
        macroF1 = MeanAndDeviation(outcomes.map(\.macroF1))
        predictions = outcomes.flatMap { o in
            o.rows.indices.map { OutOfFoldPrediction(row: o.rows[$0], fold: o.fold, predicted: o.predicted[$0],
                                                     confidence: o.confidence[$0]) }
        }.sorted { $0.row < $1.row }
        var hits: [String: (support: Int, correct: Int)] = [:]
        for p in predictions {
            let label = data.labels[p.row]
            hits[label, default: (0, 0)].support += 1
            if p.predicted == label { hits[label]!.correct += 1 }
        }
        perLabel = hits.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map { label in
            let h = hits[label]!
            let recalls = outcomes.compactMap { o -> Double? in
                guard let m = o.metrics.perLabel[label], m.support > 0 else { return nil }
                return m.recall
            }
            return LabelRecallAcrossFolds(label: label, support: h.support, recall: Double(h.correct) / Double(h.support),
                                          perFold: MeanAndDeviation(recalls))
        }
        smallLabels = folds.smallLabels
        policy = folds.policy
        let correct = hits.values.reduce(0) { $0 + $1.correct }
        pooledAccuracy = predictions.isEmpty ? 0 : Double(correct) / Double(predictions.count)
    }

}

/// The out-of-fold predictions as CSV.
public enum OutOfFoldFile {
    /// Header of the file.
    public static let header = ["file", "line", "text", "label", "predicted", "confidence", "fold"]

    /// CSV bytes: one row per out-of-fold prediction in data order. `predicted` is empty when the
    /// text had no features; `confidence` has 6 decimals.
    public static func csv(_ result: CrossValidationResult, data: LabeledDataset) -> [UInt8] {
        var out: [UInt8] = []
        FastFormat.appendCSVRecord(header, to: &out)
        for p in result.predictions {
            let line = data.lines.indices.contains(p.row) ? String(data.lines[p.row]) : ""
            FastFormat.appendCSVRecord([data.source, line, data.texts[p.row], data.labels[p.row], p.predicted,
                              String(format: "%.6f", Double(p.confidence)), String(p.fold)], to: &out)
        }
        return out
    }

    /// Writes the CSV to `path` atomically (`AtomicFile`).
    public static func write(_ result: CrossValidationResult, data: LabeledDataset, to path: String) throws(CrossValidationError) {
        do {
            try AtomicFile.write(csv(result, data: data), to: path)
        } catch {
            throw .writeFailed(path: path, reason: error.reason(writing: path))
        }
    }
}
