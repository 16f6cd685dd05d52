import SwitchboardData
import Switchboard

/// What an abstention threshold is chosen for.
public enum ThresholdObjective: Sendable, Equatable {
    /// The most rows handled right over all rows: answered with the right label, or abstained
    /// on when the row has the unknown label (an abstention on an in-scope row is wrong).
    case accuracy
    /// The most rows handled right, as `accuracy`, on traffic where this fraction of queries
    /// (0 < share < 1) has the unknown label: each unknown-label row counts `share / U` and each
    /// other row `(1 − share) / (n − U)`, for U unknown-label rows of n. A validation file seldom
    /// holds unknown queries in the proportion the router will meet them (CLINC150's val.csv:
    /// 100 of 3,100, its test.csv: 1,000 of 5,500), and plain accuracy weighs them by the file's.
    case accuracyAtUnknownShare(Double)
    /// The lowest threshold whose answered rows are at least this fraction correct (an answered
    /// unknown-label row is incorrect).
    case precision(Double)
    /// The highest threshold that still answers at least this fraction of all rows.
    case coverage(Double)
}

/// Why no threshold could be chosen.
public enum ThresholdSelectionError: Error, Equatable, CustomStringConvertible {
    /// There were no validation rows.
    case noRows
    /// No candidate threshold answers rows with the target precision; `best` is the highest
    /// precision reached, at `threshold`.
    case precisionUnreachable(target: Double, best: Double, threshold: Float)
    /// An unknown-label share was given, but the rows lack one of the two kinds it weighs.
    case shareNeedsBothKinds(unknownRows: Int, otherRows: Int)

    public var description: String {
        switch self {
        case .noRows: "no validation rows to choose a threshold on"
        case let .shareNeedsBothKinds(unknown, other):
            "an unknown-label share needs validation rows with the unknown label and without it (got \(unknown) and \(other))"
        case let .precisionUnreachable(target, best, threshold):
            "no threshold reaches precision \(target) on the validation data (best: \(best) at threshold \(threshold))"
        }
    }
}

/// A chosen threshold and how the validation rows fare under it.
public struct ThresholdChoice: Sendable, Equatable {
    /// Rows whose confidence is below this are abstained on.
    public var threshold: Float
    /// How the rows the threshold was chosen on fare under it.
    public var metrics: AbstentionMetrics
}

/// Chooses an abstention threshold from scored validation rows.
public enum ThresholdSelection {
    /// The threshold for `objective` over `rows`.
    ///
    /// Candidates are 0 and the distinct confidences of the answerable rows; threshold t answers
    /// the rows with confidence ≥ t. One sort, then one sweep from the highest candidate down,
    /// so O(n log n). For the accuracy objectives, candidates that tie go to their median
    /// threshold when `rows` hold unknown-label rows, else to the lowest. A
    /// coverage no candidate reaches (rows without features are never answered) gives 0.
    /// Throws `ThresholdSelectionError`.
    public static func choose(_ rows: [AbstentionRow], objective: ThresholdObjective) throws -> ThresholdChoice {
        guard !rows.isEmpty else { throw ThresholdSelectionError.noRows }
        let candidates = sweep(rows)
        let n = Double(rows.count)
        let unknownTotal = rows.reduce(0) { $0 + ($1.unknown ? 1 : 0) }
        var chosen: Candidate?
        switch objective {
        case .accuracy:
            chosen = mostHandled(candidates, unknownTotal: unknownTotal, otherWeight: 1, unknownWeight: 1)
        case .accuracyAtUnknownShare(let share):
            let other = rows.count - unknownTotal
            guard unknownTotal > 0, other > 0 else {
                throw ThresholdSelectionError.shareNeedsBothKinds(unknownRows: unknownTotal, otherRows: other)
            }
            chosen = mostHandled(candidates, unknownTotal: unknownTotal, otherWeight: (1 - share) / Double(other),
                                 unknownWeight: share / Double(unknownTotal))
        case .precision(let target):
            // Tolerance 1e-12: 9 of 10 answered must count as precision 0.9 despite rounding.
            chosen = candidates.last { $0.answered > 0 && Double($0.correct) / Double($0.answered) >= target - 1e-12 }
            guard chosen != nil else {
                let best = candidates.filter { $0.answered > 0 }.max {
                    Double($0.correct) * Double($1.answered) < Double($1.correct) * Double($0.answered)
                }
                throw ThresholdSelectionError.precisionUnreachable(
                    target: target, best: best.map { Double($0.correct) / Double($0.answered) } ?? 0,
                    threshold: best?.threshold ?? 0)
            }
        case .coverage(let target):
            // Tolerance 1e-9 rows: 90 of 100 answered must count as coverage 0.9 despite rounding.
            chosen = candidates.first { Double($0.answered) >= target * n - 1e-9 } ?? candidates.last
        }
        let threshold = chosen!.threshold // `candidates` always holds at least the 0 threshold
        return ThresholdChoice(threshold: threshold, metrics: AbstentionMetrics(rows: rows, threshold: threshold))
    }

    /// The candidate with the most weighted rows handled right: `otherWeight` per right answer,
    /// `unknownWeight` per unknown-label row abstained on (weights of 1 count rows exactly).
    ///
    /// Ties go to the median of the tied thresholds (the lower middle one of an even count).
    /// Abstaining on a wrongly answered in-scope row neither gains nor loses, so the count is
    /// flat across wide stretches of thresholds and several candidates often tie; the middle of
    /// them is the choice least tied to any one validation row. Without unknown-label rows nothing
    /// on validation argues for abstaining, and ties go to the lowest threshold (answer more).
    static func mostHandled(_ candidates: [Candidate], unknownTotal: Int, otherWeight: Double,
                            unknownWeight: Double) -> Candidate? {
        func handled(_ c: Candidate) -> Double {
            otherWeight * Double(c.correct) + unknownWeight * Double(unknownTotal - c.unknownAnswered)
        }
        guard let best = candidates.map(handled).max() else { return nil }
        // Relative tolerance: weighted sums of the same rows may differ in the last bits.
        let tied = candidates.filter { handled($0) >= best - 1e-12 * Swift.max(1, abs(best)) }
        // `candidates` run from the highest threshold down, so `tied` does too.
        return unknownTotal > 0 ? tied[tied.count / 2] : tied[tied.count - 1]
    }

    /// The running counts at one candidate threshold.
    struct Candidate {
        var threshold: Float
        var answered: Int
        var correct: Int
        var unknownAnswered: Int
    }

    /// Every candidate, highest threshold first, ending with threshold 0.
    static func sweep(_ rows: [AbstentionRow]) -> [Candidate] {
        let confident = rows.filter(\.answerable).sorted { $0.confidence > $1.confidence }
        var candidates: [Candidate] = []
        var running = Candidate(threshold: 0, answered: 0, correct: 0, unknownAnswered: 0)
        var i = 0
        while i < confident.count {
            let t = confident[i].confidence
            while i < confident.count && confident[i].confidence == t {
                running.answered += 1
                if confident[i].correct { running.correct += 1 }
                if confident[i].unknown { running.unknownAnswered += 1 }
                i += 1
            }
            running.threshold = t
            candidates.append(running)
        }
        if candidates.last?.threshold != 0 {
            running.threshold = 0
            candidates.append(running)
        }
        return candidates
    }
}

/// What calibrating a model on validation data found.
public struct CalibrationReport: Sendable {
    /// The calibration stored in the new model.
    public var calibration: Calibration
    /// Expected calibration error of the validation rows at the model's previous temperature.
    public var eceBefore: Double
    /// Expected calibration error at the fitted temperature.
    public var eceAfter: Double
    /// The validation figures at the chosen threshold and fitted temperature.
    public var validation: AbstentionMetrics
    /// Number of validation rows.
    public var examples: Int
    /// Why the calibration may not hold up (small or perfectly separated validation data,
    /// tied confidences); empty when none applies.
    public var warnings: [CalibrationWarning] = []
}

/// Fits a temperature and an abstention threshold on validation data.
public enum Calibrator {
    /// Scores `data` once with the model in `contents`, fits the temperature (on the rows whose
    /// label the model knows and is not `unknownLabel`; the model's previous temperature is
    /// kept when `fitTemperature` is false), chooses the threshold for `objective` on all rows
    /// at that temperature, and returns the model with the calibration merged into its metadata
    /// (weights, labels and everything else unchanged). The report's `warnings` say when the
    /// data is too small or too easy to trust the fit. Throws `ThresholdSelectionError`, or
    /// `ModelFileError` for invalid `contents`.
    public static func calibrate(_ contents: ModelContents, on data: LabeledDataset, unknownLabel: String,
                                 objective: ThresholdObjective, fitTemperature: Bool = true,
                                 threads: Int) throws -> (ModelContents, CalibrationReport) {
        guard data.count > 0 else { throw ThresholdSelectionError.noRows }
        let table = try ScoreTable.compute(contents, texts: data.texts, threads: threads)
        let index = Dictionary(uniqueKeysWithValues: contents.labels.enumerated().map { ($1, Int32($0)) })
        let targets = data.labels.map { $0 == unknownLabel ? -1 : index[$0] ?? -1 }
        let previous = Calibration.from(metadata: contents.metadata).temperature
        let fit = TemperatureFit.fitDetails(table, targets: targets)
        let temperature = fitTemperature ? fit.temperature : previous
        func rows(_ t: Float) -> [AbstentionRow] {
            AbstentionRow.rows(predictions: table.predictions(temperature: t), trueLabels: data.labels,
                               modelLabels: contents.labels, unknownLabel: unknownLabel)
        }
        let after = rows(temperature)
        let choice = try ThresholdSelection.choose(after, objective: objective)
        let calibration = Calibration(temperature: temperature, threshold: choice.threshold, unknownLabel: unknownLabel)
        var calibrated = contents
        calibrated.metadata = calibration.merged(into: contents.metadata)
        let inScope = zip(targets, table.hasFeatures).filter { $0 >= 0 && $1 }.count
        let warnings = CalibrationWarning.check(fit: fit, fitted: fitTemperature, rows: after, inScope: inScope,
                                                labels: contents.labels.count, objective: objective, choice: choice)
        let report = CalibrationReport(
            calibration: calibration, eceBefore: AbstentionMetrics.expectedCalibrationError(rows(previous)),
            eceAfter: AbstentionMetrics.expectedCalibrationError(after), validation: choice.metrics, examples: data.count,
            warnings: warnings)
        return (calibrated, report)
    }
}
