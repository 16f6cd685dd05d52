import SwitchboardData
import ArgumentParser
import Foundation
import SwitchboardTraining

extension SwitchboardCommand {
    /// `switchboard doctor TRAIN.csv [--test TEST.csv] [--json] [--strict] [--folds K]`
    struct Doctor: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Find conflicts, leaks, suspected label errors and other problems in training data.",
            discussion: """
            Reports, most harmful first, each finding with FILE:LINE and the rows involved: \
            conflicts (the same text after normalization under several labels); test rows equal or \
            near-equal to training rows (with --test); suspected label errors (out-of-fold \
            predictions of the model `train` makes that confidently disagree with the label, ranked \
            by confident learning); near-duplicates across labels (the same words in another order, \
            or hashed n-gram Jaccard similarity ≥ \(DataDoctor.nearDuplicateJaccard), found with \
            MinHash LSH, no all-pairs scan); texts with no words; labels with fewer than \
            \(DataDoctor.smallLabelRows) rows and a \(DataDoctor.imbalanceRatio)× imbalance; id-like \
            text columns; one-word texts; same-label duplicates (counted). Exit 0 with findings \
            (it is a report); with --strict, exit 1 when there are conflicts or leaks.
            """)

        @Argument(help: ArgumentHelp("Training data: CSV with a header row.", valueName: "train.csv"))
        var trainingFile: String

        @Option(help: ArgumentHelp("Test data to check for rows leaked from the training data.", valueName: "test.csv"))
        var test: String?

        @Flag(help: "Exit 1 when there are conflicts or leaks (for CI pipelines).")
        var strict = false

        @Option(help: ArgumentHelp("Folds for the out-of-fold predictions (at least 2).", valueName: "k"))
        var folds = 5

        @Flag(name: .customLong("label-errors"), inversion: .prefixedNo,
              help: "Look for suspected label errors (one training per fold: the slow part).")
        var labelErrors = true

        @Option(help: ArgumentHelp("Findings of each kind shown in the text output (all with --json).", valueName: "n"))
        var show = 10

        @OptionGroup var columns: ColumnOptions

        @Option(help: ArgumentHelp("Seed for the folds and the trainings.", valueName: "n"))
        var seed = TrainingParameters().seed

        @OptionGroup var threads: ThreadOptions
        @OptionGroup var format: JSONOption
        @OptionGroup(title: "Hyperparameters") var hyperparameters: HyperparameterOptions
        @OptionGroup(title: "Semantic features") var semantic: EmbeddingOptions

        func validate() throws {
            if folds < 2 { throw ValidationError("--folds must be at least 2 (got \(folds))") }
            if show < 0 { throw ValidationError("--show must not be negative") }
            if let problem = hyperparameters.parameters(seed: seed, threads: 1).problem { throw ValidationError(problem) }
        }

        func run() throws {
            let start = ContinuousClock.now
            let train = try LabeledDataset.load(path: trainingFile, textColumns: columns.texts, labelColumn: columns.label)
            let testData = try test.map { try LabeledDataset.load(path: $0, textColumns: columns.texts, labelColumn: columns.label) }
            var options = DoctorOptions()
            options.folds = folds
            options.parameters = hyperparameters.parameters(seed: seed, threads: 1)
            options.semantic = labelErrors ? try semantic.resolve().settings : nil
            options.labelErrors = labelErrors
            options.threads = threads.threads
            let progress = Output.stderrIsTerminal ? Self.showProgress() : nil
            let report: DoctorReport
            do { report = try DataDoctor.examine(train, test: testData, options: options, progress: progress) } catch let error as CrossValidationError {
                throw CLIError(error.description)
            }
            let seconds = (ContinuousClock.now - start) / .seconds(1)
            if format.json {
                Output.printJSON(JSONVocabulary.document(DoctorOutput.json(report, training: trainingFile, test: test, seconds: seconds)))
            } else {
                print(DoctorOutput.text(report, training: trainingFile, test: test, show: show, seconds: seconds))
            }
            if strict && report.hasBlockingFindings { throw ExitCode.failure }
        }

        /// Prints "fold trainings done/all" to stderr after each training.
        static func showProgress() -> CrossValidator.Progress {
            { done, all in Output.standardError("doctor: \(done)/\(all) fold trainings") }
        }
    }
}
