import SwitchboardData
import Switchboard

/// One scored example as abstention sees it: how sure the model is of its top label, and
/// whether answering with that label would be right.
public struct AbstentionRow: Sendable, Equatable {
    /// Top-label probability (after the temperature). The row is answered when this is at
    /// least the threshold.
    public var confidence: Float
    /// The top label equals the example's label (always false for an unknown-label row).
    public var correct: Bool
    /// The example's label is the unknown label: the right move is to abstain.
    public var unknown: Bool
    /// False when the model never answers it whatever the threshold: the text has no features,
    /// or its top label *is* the unknown label (a model trained with an `oos` class).
    public var answerable: Bool

    /// A row with these values; answerable unless said otherwise.
    public init(confidence: Float, correct: Bool, unknown: Bool, answerable: Bool = true) {
        self.confidence = confidence
        self.correct = correct
        self.unknown = unknown
        self.answerable = answerable
    }

    /// Whether the row is answered under `threshold`; mirrors `Calibration.answers`.
    @inlinable
    public func answered(at threshold: Float) -> Bool { answerable && confidence >= threshold }

    /// One row per prediction. `trueLabels` parallels `predictions`; `modelLabels` are the
    /// model's labels (index = `Prediction.labelIndex`).
    public static func rows(predictions: [Prediction], trueLabels: [String], modelLabels: [String],
                            unknownLabel: String) -> [AbstentionRow] {
        precondition(predictions.count == trueLabels.count, "predictions and labels must be parallel")
        return zip(predictions, trueLabels).map { p, truth in
            let predicted = p.label(in: modelLabels)
            let unknown = truth == unknownLabel
            return AbstentionRow(confidence: p.probability, correct: !unknown && predicted == truth, unknown: unknown,
                                 answerable: predicted != nil && predicted != unknownLabel)
        }
    }
}

/// How a classifier that may abstain does at one threshold.
///
/// An abstention on an unknown-label row is right; an abstention on any other ("in-scope") row
/// is wrong; an answered unknown-label row is wrong.
public struct AbstentionMetrics: Sendable, Equatable {
    /// The threshold: rows whose top probability is below it are abstained on.
    public var threshold: Float
    /// Number of rows.
    public var examples: Int
    /// Fraction of all rows answered.
    public var coverage: Double
    /// Fraction of the answered rows whose label is right (0 when nothing is answered).
    public var answeredAccuracy: Double
    /// Fraction of the in-scope rows answered with the right label (0 when there are none).
    public var inScopeAccuracy: Double
    /// Fraction of the unknown-label rows abstained on; nil when there are none.
    public var unknownRecall: Double?
    /// Fraction of all rows handled right: answered correctly, or abstained on when unknown.
    public var accuracy: Double

    /// The figures of `rows` under `threshold`.
    public init(rows: [AbstentionRow], threshold: Float) {
        var answered = 0, answeredCorrect = 0, inScope = 0, unknown = 0, unknownAbstained = 0
        for row in rows {
            let answers = row.answered(at: threshold)
            if answers { answered += 1 }
            if answers && row.correct { answeredCorrect += 1 }
            if row.unknown {
                unknown += 1
                if !answers { unknownAbstained += 1 }
            } else {
                inScope += 1
            }
        }
        func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : Double(a) / Double(b) }
        self.threshold = threshold
        examples = rows.count
        coverage = ratio(answered, rows.count)
        answeredAccuracy = ratio(answeredCorrect, answered)
        inScopeAccuracy = ratio(answeredCorrect, inScope) // answered unknown rows are never correct
        unknownRecall = unknown == 0 ? nil : ratio(unknownAbstained, unknown)
        accuracy = ratio(answeredCorrect + unknownAbstained, rows.count)
    }

    /// Confidence bins of the expected calibration error: 15 equal-width bins, as in Guo et al.
    /// 2017 ("On Calibration of Modern Neural Networks"), so figures compare with the literature.
    public static let calibrationBins = 15

    /// Expected calibration error of the in-scope rows (unknown-label rows have no right label
    /// to be confident in): the rows are put in `bins` equal-width confidence bins
    /// ((m-1)/M, m/M] (a confidence of 0 goes to the first), and the gaps
    /// |accuracy − mean confidence| of the bins are averaged, weighted by bin size. 0 for no rows.
    public static func expectedCalibrationError(_ rows: [AbstentionRow], bins: Int = calibrationBins) -> Double {
        precondition(bins > 0, "at least one bin")
        var count = [Int](repeating: 0, count: bins)
        var hits = [Int](repeating: 0, count: bins)
        var confidence = [Double](repeating: 0, count: bins)
        var total = 0
        for row in rows where !row.unknown {
            let c = Double(row.confidence)
            let bin = min(bins - 1, max(0, Int((c * Double(bins)).rounded(.up)) - 1))
            count[bin] += 1
            if row.correct { hits[bin] += 1 }
            confidence[bin] += c
            total += 1
        }
        guard total > 0 else { return 0 }
        var ece = 0.0
        for b in 0..<bins where count[b] > 0 {
            let n = Double(count[b])
            ece += n / Double(total) * abs(Double(hits[b]) / n - confidence[b] / n)
        }
        return ece
    }
}

/// Everything `switchboard evaluate` reports about a classifier that may abstain.
public struct AbstentionEvaluation: Sendable {
    /// Label metrics. With a threshold the predicted label of an abstention is the unknown label
    /// (so an abstention on an unknown-label row counts as correct); the unknown label's own row
    /// is dropped from `perLabel` (and from the macro-F1) when no test row carries it.
    public var metrics: ClassifierMetrics
    /// Abstention figures at the threshold; nil without a threshold.
    public var abstention: AbstentionMetrics?
    /// Expected calibration error of the in-scope rows at the model's temperature.
    public var ece: Double

    /// Predicts every text of `data` once on `threads` threads and computes the figures.
    public static func evaluate(_ classifier: Classifier, on data: LabeledDataset, unknownLabel: String,
                                threshold: Float?, threads: Int) -> AbstentionEvaluation {
        let labels = classifier.labels
        let predictions = classifier.predictions(for: data.texts, threads: max(1, threads))
        let rows = AbstentionRow.rows(predictions: predictions, trueLabels: data.labels, modelLabels: labels,
                                      unknownLabel: unknownLabel)
        let ece = AbstentionMetrics.expectedCalibrationError(rows)
        guard let threshold else {
            let predicted = predictions.map { $0.label(in: labels) ?? Confusion.noPrediction }
            return AbstentionEvaluation(metrics: ClassifierMetrics(trueLabels: data.labels, predictedLabels: predicted),
                                        abstention: nil, ece: ece)
        }
        let routed = zip(predictions, rows).map { p, row in row.answered(at: threshold) ? labels[p.labelIndex] : unknownLabel }
        var metrics = ClassifierMetrics(trueLabels: data.labels, predictedLabels: routed)
        if let entry = metrics.perLabel[unknownLabel], entry.support == 0 {
            metrics.perLabel[unknownLabel] = nil
            metrics.macroF1 = ClassifierMetrics.macroF1(metrics.perLabel)
        }
        return AbstentionEvaluation(metrics: metrics, abstention: AbstentionMetrics(rows: rows, threshold: threshold),
                                    ece: ece)
    }
}
