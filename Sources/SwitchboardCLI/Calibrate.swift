import SwitchboardData
import ArgumentParser
import Switchboard
import SwitchboardTraining

/// The abstention options shared by `calibrate` and `train`.
struct CalibrationOptions: ParsableArguments {
    @Option(help: ArgumentHelp("""
        The label of the rows to abstain on (e.g. oos), and the label given to abstentions. \
        Default: "unknown" for train; for calibrate, the model's own (else "unknown").
        """, valueName: "name"))
    var unknownLabel: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("""
        Choose the lowest threshold whose answered validation rows are at least this fraction \
        correct (an answered unknown-label row is wrong).
        """, valueName: "p"))
    var targetPrecision: Double?

    @Option(parsing: .unconditional, help: ArgumentHelp("Choose the highest threshold that answers at least this fraction of the validation rows.",
                               valueName: "c"))
    var targetCoverage: Double?

    @Option(parsing: .unconditional, help: ArgumentHelp("""
        Choose the threshold for the most queries handled right where this fraction of the traffic \
        has the unknown label (the validation rows of each kind are weighted to that mix; default: \
        the validation file's own mix).
        """, valueName: "s"))
    var unknownShare: Double?

    func validate() throws {
        let targets = [targetPrecision, targetCoverage, unknownShare].compactMap { $0 }.count
        if targets > 1 {
            throw ValidationError("--target-precision, --target-coverage and --unknown-share cannot be used together")
        }
        for (name, value) in [("--target-precision", targetPrecision), ("--target-coverage", targetCoverage)] {
            if let value, !(value > 0 && value <= 1) { throw ValidationError("\(name) must be in (0, 1]") }
        }
        if let unknownShare, !(unknownShare > 0 && unknownShare < 1) {
            throw ValidationError("--unknown-share must be in (0, 1)")
        }
        if unknownLabel?.isEmpty == true { throw ValidationError("--unknown-label must not be empty") }
    }

    /// True when any of these options is on the command line.
    var isGiven: Bool { unknownLabel != nil || targetPrecision != nil || targetCoverage != nil || unknownShare != nil }

    /// What the threshold is chosen for: a target, else accuracy.
    var objective: ThresholdObjective {
        if let targetPrecision { return .precision(targetPrecision) }
        if let targetCoverage { return .coverage(targetCoverage) }
        if let unknownShare { return .accuracyAtUnknownShare(unknownShare) }
        return .accuracy
    }

    /// Fits the temperature and threshold of `contents` on `data`, reporting a threshold that
    /// cannot be chosen as a failure (exit 1).
    func calibrate(_ contents: ModelContents, on data: LabeledDataset, unknownLabel: String,
                   threads: Int) throws -> (ModelContents, CalibrationReport) {
        if objective == .accuracy && !data.labels.contains(unknownLabel) {
            Output.standardError("""
                switchboard: warning: no validation row has the label "\(unknownLabel)": the accuracy \
                objective then never abstains (threshold 0); see --unknown-label, --target-precision, --target-coverage
                """)
        }
        do {
            let result = try Calibrator.calibrate(contents, on: data, unknownLabel: unknownLabel, objective: objective,
                                                  threads: threads)
            for warning in result.1.warnings { Output.standardError("switchboard: warning: \(warning)") }
            return result
        } catch let error as ThresholdSelectionError {
            throw CLIError(error.description)
        }
    }

    /// A calibration report as one JSON object (`unknown_recall` is null without unknown-label rows).
    static func json(_ r: CalibrationReport) -> JSON {
        let v = r.validation
        return ["threshold": .number(r.calibration.threshold ?? 0), "temperature": .number(r.calibration.temperature),
                "unknown_label": .string(r.calibration.unknownLabel),
                "ece_before": .number(r.eceBefore), "ece_after": .number(r.eceAfter), "coverage": .number(v.coverage),
                "answered_accuracy": .number(v.answeredAccuracy), "in_scope_accuracy": .number(v.inScopeAccuracy),
                "unknown_recall": v.unknownRecall.map { JSON.number($0) } ?? .null,
                "example_count": .number(r.examples),
                "warnings": .array(r.warnings.map { .string($0.description) })]
    }

    /// A calibration report as table rows for people.
    static func rows(_ r: CalibrationReport) -> [[String]] {
        let v = r.validation, c = r.calibration
        let recall = v.unknownRecall.map { Output.fixed($0) } ?? "n/a (no \"\(c.unknownLabel)\" rows)"
        return [["examples", "\(r.examples)"], ["temperature", Output.fixed(Double(c.temperature))],
                ["threshold", Output.fixed(Double(c.threshold ?? 0))],
                ["ECE", "\(Output.fixed(r.eceBefore)) before, \(Output.fixed(r.eceAfter)) after"],
                ["coverage", Output.fixed(v.coverage)], ["answered accuracy", Output.fixed(v.answeredAccuracy)],
                ["in-scope accuracy", Output.fixed(v.inScopeAccuracy)], ["unknown recall", recall]]
    }
}

extension SwitchboardCommand {
    /// `switchboard calibrate MODEL VAL.csv [MORE.csv ...] --output NEW_MODEL`
    struct Calibrate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fit a model's temperature and abstention threshold on validation data.",
            discussion: """
            The validation files are concatenated; rows with the unknown label (e.g. CLINC150's \
            oos) are what the model should abstain on.

            The temperature minimizes the negative log-likelihood of the rows whose label the \
            model knows, with a weak prior towards 1 that keeps small or perfectly separated \
            sets from making every answer certain. The threshold is then chosen on all rows: by \
            default it maximizes accuracy (abstaining on an unknown-label row is right, on any \
            other row wrong); --target-precision / --target-coverage choose it for a target. \
            That accuracy weighs unknown-label rows by their share of the files; when the traffic \
            will hold another share of them (a validation file seldom has them in the right \
            proportion), --unknown-share S weights each kind so that unknown-label rows count for S \
            of the total. Thresholds that tie on that accuracy give way to the median of them \
            (with no unknown-label rows, to the lowest: answer as much as possible).

            Warnings on stderr (JSON "warnings") say when the data is too small or too easy to \
            trust the fit, and what to do.

            Writes a copy of MODEL (atomically) whose metadata holds "calibration": \
            {temperature, threshold, unknown_label}. --json prints one object with model, output \
            and calibration: threshold, temperature, unknown_label, ece_before, ece_after, \
            coverage, answered_accuracy, in_scope_accuracy, unknown_recall (null without \
            unknown-label rows), example_count and warnings.
            """)

        @Argument(help: ArgumentHelp("The model file.", valueName: "model"))
        var model: String

        @Argument(help: ArgumentHelp("Labeled validation CSV files with a header row.", valueName: "val.csv"))
        var validationFiles: [String]

        @Option(name: [.short, .long], help: ArgumentHelp("Where to write the calibrated model.", valueName: "model"))
        var output: String

        @OptionGroup var calibration: CalibrationOptions
        @OptionGroup var columns: ColumnOptions
        @OptionGroup var threads: ThreadOptions
        @OptionGroup var format: JSONOption

        func validate() throws {
            if validationFiles.isEmpty { throw ValidationError("give at least one validation file") }
        }

        func run() throws {
            try OutputCheck.writable(output)
            let storage = try ModelFile.load(path: model)
            let unknownLabel = calibration.unknownLabel ?? Calibration.from(metadata: storage.metadata).unknownLabel
            let data = try LabeledInput.load(validationFiles, columns: columns).dataset
            let (calibrated, report) = try calibration.calibrate(storage.contents(), on: data, unknownLabel: unknownLabel,
                                                                 threads: threads.threads)
            try ModelOutput.write(calibrated, to: output)
            if format.json {
                Output.printJSON(JSONVocabulary.document(["model": .string(model), "output": .string(output),
                                                          "calibration": CalibrationOptions.json(report)]))
            } else {
                print(Output.table(CalibrationOptions.rows(report) + [["model", output]]))
            }
        }
    }
}
