/// Why a calibration fitted on validation data may not hold up, and what to do about it.
/// Calibration still succeeds; the CLI prints these on stderr.
public enum CalibrationWarning: Sendable, Equatable, CustomStringConvertible {
    /// Fewer than `minimumRowsPerLabel` in-scope validation rows per model label.
    case fewRows(rows: Int, labels: Int)
    /// The model gets every in-scope validation row right, so the likelihood alone would make
    /// every answer certain; the temperature was set by the prior towards 1.
    case perfectSeparation(rows: Int, temperature: Float)
    /// The temperature fit stopped at a bound of `TemperatureFit.range`.
    case temperatureAtBound(Float)
    /// Several validation rows share the top confidence 1.0 after calibration (a tenth of them,
    /// or the threshold is 1.0): no threshold tells them apart.
    case tiedAtCertainty(rows: Int)
    /// Rows tied at the chosen threshold, so it answers more rows than the coverage target.
    case coverageOvershoot(target: Double, achieved: Double, tied: Int)

    /// Below this many in-scope validation rows per label, `fewRows` is reported.
    public static let minimumRowsPerLabel = 10

    public var description: String {
        switch self {
        case let .fewRows(rows, labels):
            "only \(rows) in-scope validation rows for \(labels) labels (fewer than \(Self.minimumRowsPerLabel) per label): "
                + "the temperature and threshold are rough; add validation rows, about \(Self.minimumRowsPerLabel * labels) or more"
        case let .perfectSeparation(rows, temperature):
            "the model gets all \(rows) in-scope validation rows right, so they cannot show how sure it should be; "
                + "the temperature (\(Self.format(temperature))) is held near 1 by the prior: add harder validation rows"
        case .temperatureAtBound(let t):
            "the temperature fit stopped at its bound (\(Self.format(t))): the probabilities are all but "
                + (t < 1 ? "certain" : "uniform") + "; check that the validation labels match the training labels"
        case .tiedAtCertainty(let rows):
            "\(rows) validation rows have confidence 1.0 after calibration, so the threshold cannot tell them apart; "
                + "add validation rows or train with a larger --l2"
        case let .coverageOvershoot(target, achieved, tied):
            "\(tied) validation rows tie at the chosen threshold, so coverage is \(Self.format(achieved)) "
                + "instead of \(Self.format(target)); add validation rows"
        }
    }

    private static func format(_ value: some BinaryFloatingPoint) -> String {
        let rounded = (Double(value) * 10_000).rounded() / 10_000
        return "\(rounded)"
    }
}

extension CalibrationWarning {
    /// The warnings for a calibration: `fit` on the in-scope rows, `rows` scored at the fitted
    /// temperature, the `choice` made for `objective`, and the model's label count.
    public static func check(fit: TemperatureFit.Result, fitted: Bool, rows: [AbstentionRow], inScope: Int,
                      labels: Int, objective: ThresholdObjective, choice: ThresholdChoice) -> [CalibrationWarning] {
        var warnings: [CalibrationWarning] = []
        if inScope < minimumRowsPerLabel * labels { warnings.append(.fewRows(rows: inScope, labels: labels)) }
        if fitted && fit.hitBound { warnings.append(.temperatureAtBound(fit.temperature)) }
        if fitted && fit.separated && !fit.hitBound {
            warnings.append(.perfectSeparation(rows: fit.rows, temperature: fit.temperature))
        }
        // A few certain rows among thousands are harmless; it matters when the threshold sits
        // at 1.0 or a tenth of the rows are indistinguishable.
        let certain = rows.filter { $0.answerable && $0.confidence >= 1 }.count
        if certain > 1 && (choice.threshold >= 1 || certain * 10 > rows.count) {
            warnings.append(.tiedAtCertainty(rows: certain))
        }
        if case .coverage(let target) = objective {
            let tied = rows.filter { $0.answerable && $0.confidence == choice.threshold }.count
            let achieved = choice.metrics.coverage
            // More than one row beyond the target: a tie, not the rows' granularity.
            if tied > 1 && (achieved - target) * Double(rows.count) > 1 + 1e-9 {
                warnings.append(.coverageOvershoot(target: target, achieved: achieved, tied: tied))
            }
        }
        return warnings
    }
}
