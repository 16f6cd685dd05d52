import SwitchboardData
import Switchboard

/// Precision, recall and F1 of one label, like a row of scikit-learn's classification report.
public struct LabelMetrics: Sendable, Equatable {
    /// Of the examples predicted as this label, the fraction that have it (0 when never predicted).
    public var precision: Double
    /// Of the examples that have this label, the fraction predicted as it (0 when support is 0).
    public var recall: Double
    /// Harmonic mean of precision and recall (0 when both are 0).
    public var f1: Double
    /// Number of test examples that have this label.
    public var support: Int

    public init(precision: Double, recall: Double, f1: Double, support: Int) {
        self.precision = precision
        self.recall = recall
        self.f1 = f1
        self.support = support
    }
}

/// A cell of the confusion matrix off its diagonal: `count` examples of `label` predicted as `predicted`.
public struct Confusion: Sendable, Equatable {
    /// What a text the model could not label (no features) is recorded as in `predicted`.
    public static let noPrediction = ""

    /// The true label.
    public var label: String
    /// The predicted label, or `Confusion.noPrediction` ("") when the text had no features.
    public var predicted: String
    /// How many test examples fell in this cell.
    public var count: Int

    public init(label: String, predicted: String, count: Int) {
        self.label = label
        self.predicted = predicted
        self.count = count
    }

    /// `predicted` for display: "(none)" for no prediction.
    public var predictedDisplayName: String { predicted == Self.noPrediction ? "(none)" : predicted }
}

/// How well a classifier labels a test set, like Create ML's `MLClassifierMetrics`.
///
/// Conventions:
/// - A test label the model does not know always counts as wrong (its recall is 0).
/// - A text with no features (empty or punctuation only; `Prediction.labelIndex == -1`) counts as
///   wrong, with the predicted label `Confusion.noPrediction` (""), shown as "(none)". That
///   pseudo-label gets no entry in `perLabel`.
/// - `perLabel` and `macroF1` cover the *union* of the labels in the test set and the labels
///   predicted for it (scikit-learn's convention). A label that is predicted but absent from the
///   test set has support 0, precision 0 and F1 0, and pulls the macro average down; a label that
///   is never predicted has precision 0.
public struct ClassifierMetrics: Sendable {
    /// Number of test examples.
    public var examples: Int
    /// Fraction of examples whose predicted label equals the true label (0 for no examples).
    public var accuracy: Double
    /// Unweighted mean of the per-label F1 scores over `perLabel` (0 when it is empty).
    public var macroF1: Double
    /// Figures per label, for every label in the test set or in the predictions.
    public var perLabel: [String: LabelMetrics]
    /// Off-diagonal confusion-matrix cells, most frequent first; ties ordered by true label, then
    /// by predicted label (byte order), so the order is deterministic.
    public var confusions: [Confusion]

    /// Computes the metrics from parallel arrays of true and predicted labels. A predicted label
    /// of `Confusion.noPrediction` ("") means the model gave no answer.
    public init(trueLabels: [String], predictedLabels: [String]) {
        precondition(trueLabels.count == predictedLabels.count, "true and predicted labels must be parallel")
        var tally = Tally()
        for (truth, guess) in zip(trueLabels, predictedLabels) { tally.add(truth: truth, predicted: guess) }
        examples = trueLabels.count
        accuracy = examples == 0 ? 0 : Double(tally.correct) / Double(examples)
        perLabel = tally.perLabel()
        macroF1 = Self.macroF1(perLabel)
        confusions = tally.sortedConfusions()
    }

    /// The unweighted mean F1 of `perLabel`, summed in label byte order so that it is the same
    /// bits in every process (a dictionary's order changes from one process to the next).
    public static func macroF1(_ perLabel: [String: LabelMetrics]) -> Double {
        let labels = perLabel.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        return labels.isEmpty ? 0 : labels.reduce(0) { $0 + perLabel[$1]!.f1 } / Double(labels.count)
    }

    /// Predicts every text of `data` on `threads` threads and compares with its labels.
    public static func evaluate(_ classifier: Classifier, on data: LabeledDataset, threads: Int) -> ClassifierMetrics {
        let labels = classifier.labels
        let predicted = classifier.predictions(for: data.texts, threads: max(1, threads)).map {
            $0.label(in: labels) ?? Confusion.noPrediction
        }
        return ClassifierMetrics(trueLabels: data.labels, predictedLabels: predicted)
    }
}

/// Counts behind `ClassifierMetrics`.
private struct Tally {
    var correct = 0
    /// Examples per true label.
    var support: [String: Int] = [:]
    /// Examples per predicted label (no-prediction excluded).
    var predictedCount: [String: Int] = [:]
    /// Correct predictions per label.
    var hits: [String: Int] = [:]
    /// Off-diagonal cells keyed by (true, predicted).
    var cells: [Pair: Int] = [:]

    struct Pair: Hashable {
        var label: String
        var predicted: String
    }

    mutating func add(truth: String, predicted: String) {
        support[truth, default: 0] += 1
        if predicted != Confusion.noPrediction { predictedCount[predicted, default: 0] += 1 }
        if predicted == truth && predicted != Confusion.noPrediction {
            correct += 1
            hits[truth, default: 0] += 1
        } else {
            cells[Pair(label: truth, predicted: predicted), default: 0] += 1
        }
    }

    /// Metrics for every label that is a true label or a prediction.
    func perLabel() -> [String: LabelMetrics] {
        var result: [String: LabelMetrics] = [:]
        for label in Set(support.keys).union(predictedCount.keys) where label != Confusion.noPrediction {
            let tp = Double(hits[label] ?? 0)
            let n = support[label] ?? 0
            let precision = ratio(tp, Double(predictedCount[label] ?? 0))
            let recall = ratio(tp, Double(n))
            let f1 = ratio(2 * precision * recall, precision + recall)
            result[label] = LabelMetrics(precision: precision, recall: recall, f1: f1, support: n)
        }
        return result
    }

    /// Off-diagonal cells, most frequent first, ties by true then predicted label.
    func sortedConfusions() -> [Confusion] {
        cells.map { Confusion(label: $0.key.label, predicted: $0.key.predicted, count: $0.value) }.sorted {
            if $0.count != $1.count { return $0.count > $1.count }
            if $0.label != $1.label { return $0.label.utf8.lexicographicallyPrecedes($1.label.utf8) }
            return $0.predicted.utf8.lexicographicallyPrecedes($1.predicted.utf8)
        }
    }

    /// `a / b`, or 0 when `b` is 0 (scikit-learn's `zero_division=0`).
    private func ratio(_ a: Double, _ b: Double) -> Double { b == 0 ? 0 : a / b }
}
