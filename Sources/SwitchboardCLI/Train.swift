import SwitchboardData
import SwitchboardLabeling
import ArgumentParser
import Foundation
import Switchboard
import SwitchboardTraining

extension ClassWeighting: ExpressibleByArgument {}

extension NGramNormalization: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
    public static var allValueStrings: [String] { allCases.map(\.name) }
}

/// An n-gram length range on the command line: "MIN-MAX", "N" (= N-N), or "0" (disabled).
struct NGramRange: ExpressibleByArgument, CustomStringConvertible {
    var min: Int
    var max: Int

    init(min: Int, max: Int) {
        self.min = min
        self.max = max
    }

    init?(argument: String) {
        let parts = argument.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let lo = Int(parts[0]), let hi = Int(parts[parts.count - 1]) else {
            return nil
        }
        self.init(min: lo, max: hi)
    }

    var description: String { min == 0 && max == 0 ? "0" : "\(min)-\(max)" }
}

/// The model and optimizer settings of `train`; every default is the library's.
struct HyperparameterOptions: ParsableArguments {
    private static let defaults = TrainingParameters()

    @Option(parsing: .unconditional, help: ArgumentHelp("Maximum passes over the training data.", valueName: "n"))
    var epochs = defaults.epochs

    @Option(parsing: .unconditional, help: ArgumentHelp("Initial SGD step size (decays linearly to 0).", valueName: "rate"))
    var learningRate = defaults.learningRate

    @Option(name: .customLong("l2"), parsing: .unconditional, help: ArgumentHelp("L2 penalty (weight decay); 0 disables it.", valueName: "penalty"))
    var l2 = defaults.l2

    @Option(parsing: .unconditional, help: ArgumentHelp("Hash features into 2^bits buckets (\(FeatureConfiguration.bucketBitsRange); default: \(defaults.features.bucketBits), or what fits --max-size).", valueName: "bits"))
    var bucketBits: Int?

    // The feature settings are optional so that `--init` can tell a given flag from a default.
    @Option(name: .customLong("word-ngrams"), help: ArgumentHelp("Word n-gram lengths, MIN-MAX; 0 disables (default: \(defaultWordNGrams)).", valueName: "min-max"))
    var wordNGrams: NGramRange?

    @Option(name: .customLong("char-ngrams"), help: ArgumentHelp("Character n-gram lengths, MIN-MAX; 0 disables (default: \(defaultCharNGrams)).", valueName: "min-max"))
    var charNGrams: NGramRange?

    @Flag(inversion: .prefixedNo, help: "Fold diacritics (é → e) after lowercasing (default: \(defaults.features.foldDiacritics ? "on" : "off")).")
    var foldDiacritics: Bool?

    @Flag(name: .customLong("sublinear-tf"), inversion: .prefixedNo, help: "Weight term counts by 1 + ln(tf) (default: \(defaults.features.sublinearTF ? "on" : "off")).")
    var sublinearTF: Bool?

    @Flag(name: .customLong("idf"), inversion: .prefixedNo, help: "Multiply features by inverse document frequency (default: \(defaults.features.useIDF ? "on" : "off")).")
    var idf: Bool?

    @Option(name: .customLong("refine-iterations"), help: ArgumentHelp("L-BFGS steps on the full-batch objective after SGD; 0 disables. Skipped above \(Trainer.refinementRowLimit) rows; with --init the parent's labels are pulled toward the parent's weights.", valueName: "n"))
    var refineIterations = defaults.refineIterations

    @Option(name: .customLong("refine-c"), help: ArgumentHelp("Inverse L2 penalty of the refinement, as scikit-learn's C: λ = 1 / (C · rows).", valueName: "c"))
    var refineC = defaults.refineC

    @Option(name: .customLong("ngram-norm"), help: ArgumentHelp("Unit length for word and character n-grams together (joint) or for each family alone (per-family; default: \(defaults.features.normalization.name)).", valueName: "mode"))
    var ngramNorm: NGramNormalization?

    static let defaultWordNGrams = NGramRange(min: defaults.features.wordNGramMin, max: defaults.features.wordNGramMax)
    static let defaultCharNGrams = NGramRange(min: defaults.features.charNGramMin, max: defaults.features.charNGramMax)

    @Option(help: ArgumentHelp("Loss weight per class: none, or balanced (rare labels count more).", valueName: "mode"))
    var classWeighting = defaults.classWeighting

    @Option(parsing: .unconditional, help: ArgumentHelp("Hold out this fraction of TRAIN.csv for early stopping when --validation is not given (default: \(defaults.validationFraction)).", valueName: "f"))
    var validationFraction: Double?

    @Option(parsing: .unconditional, help: ArgumentHelp("Stop after this many epochs without better validation accuracy.", valueName: "n"))
    var patience = defaults.patience

    @Option(parsing: .unconditional, help: ArgumentHelp("SGD shards trained in parallel per round (\(ShardPlan.shardRange); 1: the sequential pass). Part of the model's recipe, not the thread count: any --threads gives the same model.", valueName: "n"))
    var shards = defaults.sharding.shards

    @Option(parsing: .unconditional, help: ArgumentHelp("Examples per shard per round (\(ShardPlan.chunkRange)).", valueName: "n"))
    var shardChunk = defaults.sharding.chunk

    /// Out-of-range numbers, named by their option (negative ones reach here since the options
    /// parse unconditionally).
    func validate() throws {
        if epochs < 1 { throw ValidationError("--epochs must be at least 1 (got \(epochs))") }
        if !(learningRate > 0) { throw ValidationError("--learning-rate must be greater than 0 (got \(learningRate))") }
        if !(l2 >= 0) { throw ValidationError("--l2 must be at least 0 (got \(l2))") }
        if patience < 1 { throw ValidationError("--patience must be at least 1 (got \(patience))") }
        if !ShardPlan.shardRange.contains(shards) {
            throw ValidationError("--shards must be in \(ShardPlan.shardRange) (got \(shards))")
        }
        if !ShardPlan.chunkRange.contains(shardChunk) {
            throw ValidationError("--shard-chunk must be in \(ShardPlan.chunkRange) (got \(shardChunk))")
        }
        if let f = validationFraction, !(f >= 0 && f < 1) {
            throw ValidationError("--validation-fraction must be at least 0 and below 1 (got \(f))")
        }
        let bits = FeatureConfiguration.bucketBitsRange
        if let b = bucketBits, !bits.contains(b) {
            throw ValidationError("--bucket-bits must be at least \(bits.lowerBound) and at most \(bits.upperBound) (got \(b))")
        }
    }

    /// These settings as training parameters.
    func parameters(seed: UInt64, threads: Int) -> TrainingParameters {
        var p = TrainingParameters()
        let d = Self.defaults.features
        let words = wordNGrams ?? Self.defaultWordNGrams, chars = charNGrams ?? Self.defaultCharNGrams
        p.features = FeatureConfiguration(
            bucketBits: bucketBits ?? d.bucketBits, wordNGramMin: words.min, wordNGramMax: words.max,
            charNGramMin: chars.min, charNGramMax: chars.max, foldDiacritics: foldDiacritics ?? d.foldDiacritics,
            sublinearTF: sublinearTF ?? d.sublinearTF, useIDF: idf ?? d.useIDF, normalization: ngramNorm ?? d.normalization)
        p.epochs = epochs
        p.learningRate = learningRate
        p.l2 = l2
        p.classWeighting = classWeighting
        p.seed = seed
        p.threads = threads
        p.validationFraction = validationFraction ?? p.validationFraction
        p.patience = patience
        p.refineIterations = refineIterations
        p.refineC = refineC
        p.sharding = ShardPlan(shards: shards, chunk: shardChunk)
        return p
    }
}

/// Where and how `train` writes the model.
struct TrainOutput: ParsableArguments {
    @Option(name: [.short, .long], help: ArgumentHelp("Where to write the model.", valueName: "model"))
    var output: String

    @Flag(help: "Write int8 weights (format version 2): a quarter of the float model's size, same accuracy.")
    var compact = false

    @Option(help: ArgumentHelp("Write an int8 model of at most this size (a number with \(ByteSize.unitList)) with the most buckets that fit; implies --compact.",
                               valueName: "size"), transform: ByteSize.parse)
    var maxSize: ByteSize?
}

extension SwitchboardCommand {
    /// `switchboard train TRAIN.csv --output MODEL ...`
    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a model from labeled CSV files.",
            discussion: """
            Several TRAIN.csv files are concatenated; --text-column subject,body joins several \
            columns into the text (with a line break, a word boundary). Labels are trimmed of \
            surrounding whitespace and otherwise kept byte for byte: a warning names labels that \
            differ only by case, and counts labels that had surrounding spaces. Before training a \
            model over 1 GB, a warning gives its size, the memory needed and the --bucket-bits or \
            --max-size that keep it under 1 GB.

            Writes the model atomically (a new file renamed into place); progress lines go to \
            stderr when it is a terminal. Rows whose text is empty, or has no features after \
            normalization, are left out and listed (FILE:LINE) on stderr.

            Early stopping: on --validation files (concatenated; may be repeated), else on a \
            --validation-fraction of TRAIN.csv. The epoch with the best validation accuracy is \
            kept, ties going to the lower validation loss.

            Calibration (--calibrate, implied by --unknown-label, --target-precision and \
            --target-coverage; needs --validation) fits the temperature and threshold as \
            `switchboard calibrate` does. Unknown-label rows are left out of early stopping.

            Compact models: --compact writes int8 weights; --max-size implies it and lowers \
            the bucket bits to the largest that fit.

            --json prints one object (see `switchboard json-schema` and the README): output, \
            output_bytes, example_count, labels, label_count, epochs_run, max_epochs, best_epoch, \
            elapsed_seconds, skipped_row_count, weight_encoding, bucket_bits, validation_accuracy \
            and validation_example_count (with validation data), calibration (when calibrating).
            """)

        @Argument(help: ArgumentHelp("Training data: CSV files with a header row (concatenated).", valueName: "train.csv"))
        var trainingFiles: [String]

        // Required first: a titled group is shown before the untitled OPTIONS section.
        @OptionGroup(title: "Output") var destination: TrainOutput

        /// `--output`.
        var output: String { destination.output }
        /// `--compact`.
        var compact: Bool { destination.compact }
        /// `--max-size`.
        var maxSize: ByteSize? { destination.maxSize }

        @Option(name: .customLong("init"),
                help: ArgumentHelp("Continue training this model on TRAIN.csv (new labels allowed): its features, IDF and semantic block are kept; its calibration is marked stale.", valueName: "model"))
        var initial: String?

        @Option(parsing: .singleValue,
                help: ArgumentHelp("Validation CSV for early stopping (same columns); may be repeated.", valueName: "val.csv"))
        var validation: [String] = []

        @Flag(help: "Calibrate the model on the --validation data after training (see `switchboard calibrate`).")
        var calibrate = false

        @OptionGroup(title: "Calibration") var calibration: CalibrationOptions

        @OptionGroup var columns: ColumnOptions

        @Option(parsing: .unconditional, help: ArgumentHelp("Seed for shuffling and the held-out split.", valueName: "n"))
        var seed = TrainingParameters().seed

        @Option(help: ArgumentHelp("Bad rows (wrong field count, empty label): fail (stop, exit 1) or skip (leave out, list on stderr). Rows with empty text are always left out and listed.",
                                   valueName: "fail|skip"))
        var onError = BadRowPolicy.fail

        @OptionGroup var threads: ThreadOptions
        @OptionGroup var format: JSONOption
        @OptionGroup(title: "Hyperparameters") var hyperparameters: HyperparameterOptions
        @OptionGroup(title: "Semantic features") var semantic: EmbeddingOptions

        func validate() throws {
            if trainingFiles.isEmpty { throw ValidationError("give at least one training file") }
            try threads.validate()  // the options' own messages first
            try hyperparameters.validate()
            if !validation.isEmpty && hyperparameters.validationFraction != nil {
                throw ValidationError("--validation and --validation-fraction cannot be used together")
            }
            if let problem = hyperparameters.parameters(seed: seed, threads: threads.threads).problem {
                throw ValidationError(problem)
            }
            if initial != nil && maxSize != nil {
                throw ValidationError("--max-size cannot be used with --init: the bucket count is the model's (use --compact for int8 weights)")
            }
            if isCalibrating && validation.isEmpty {
                throw ValidationError("--calibrate, --unknown-label and --target-* need --validation")
            }
        }

        /// Whether the model is calibrated after training.
        var isCalibrating: Bool { calibrate || calibration.isGiven }

        func run() throws {
            try OutputCheck.writable(output)
            let clock = ContinuousClock()
            let start = clock.now
            let warm = try warmStart()
            var parameters = hyperparameters.parameters(seed: seed, threads: threads.threads)
            if let warm { parameters.features = warm.parent.features }
            let (data, skipped) = try LabeledInput.load(trainingFiles, columns: columns, skipBadRows: onError == .skip,
                                                         features: parameters.features, threads: parameters.threads)
            Self.warnAboutLabels(data)
            let held = validation.isEmpty ? nil
                : try LabeledInput.load(validation, columns: columns, skipBadRows: onError == .skip).dataset
            let unknownLabel = calibration.unknownLabel ?? Calibration().unknownLabel
            // Early stopping judges the labels the model can learn: unknown-label rows only when calibrating.
            let stopping = held.map { h in
                isCalibrating ? zip(h.texts, h.labels).filter { $0.1 != unknownLabel } : Array(zip(h.texts, h.labels))
            }
            let features: (note: String, json: JSON)
            var (contents, report): (ModelContents, TrainingReport)
            if let warm {
                features = Self.inheritedFeatures(warm, path: initial!)
                Self.warnAboutSize(labels: Array(Set(data.labels).union(warm.parent.labels)), features: parameters.features,
                                   validating: held != nil || parameters.validationFraction > 0)
                (contents, report) = try Trainer.train(
                    texts: data.texts, labels: data.labels, validation: stopping.map { ($0.map(\.0), $0.map(\.1)) },
                    parameters: parameters, continuing: warm,
                    progress: Output.stderrIsTerminal ? Self.showProgress(of: parameters) : nil)
            } else {
                (contents, report, features) = try trainFresh(data, stopping: stopping, held: held, parameters: parameters)
            }
            var calibrated: CalibrationReport?
            if isCalibrating, let held {
                (contents, calibrated) = try calibration.calibrate(contents, on: held, unknownLabel: unknownLabel,
                                                                   threads: threads.threads)
            }
            contents = try compacted(contents)
            try ModelOutput.write(contents, to: output)
            try printSummary(report, contents: contents, features: features, calibrated: calibrated, skipped: skipped,
                             seconds: (clock.now - start) / .seconds(1))
        }

        /// Trains from zeros with the semantic block the options choose.
        func trainFresh(_ data: LabeledDataset, stopping: [(String, String)]?, held: LabeledDataset?,
                        parameters given: TrainingParameters) throws -> (ModelContents, TrainingReport, (note: String, json: JSON)) {
            var parameters = given
            let features = try semantic.resolve()
            if let maxSize {
                let labels = Set(data.labels).sorted()
                // The semantic block's bytes come out of the budget before the buckets are sized.
                let block = features.settings.map { EmbeddingOptions.blockBytes($0, labels: labels.count) } ?? 0
                guard maxSize.bytes > block else {
                    throw CLIError("--max-size \(maxSize): the semantic block alone takes \(Output.bytes(block)); "
                        + "use fewer --embedding-dims or --embeddings none")
                }
                parameters.features.bucketBits = try bucketBits(fitting: ByteSize(bytes: maxSize.bytes - block), labels: labels,
                                                                features: parameters.features)
            }
            Self.warnAboutSize(labels: Set(data.labels).sorted(), features: parameters.features,
                               validating: held != nil || parameters.validationFraction > 0)
            let (contents, report) = try Trainer.train(
                texts: data.texts, labels: data.labels, validation: stopping.map { ($0.map(\.0), $0.map(\.1)) },
                parameters: parameters, semantic: features.settings,
                progress: Output.stderrIsTerminal ? Self.showProgress(of: parameters) : nil)
            return (contents, report, (features.note, EmbeddingOptions.json(features)))
        }

        /// Prints the text or JSON summary of a finished run.
        func printSummary(_ report: TrainingReport, contents: ModelContents, features: (note: String, json: JSON),
                          calibrated: CalibrationReport?, skipped: Int, seconds: Double) throws {
            let bytes = try Output.fileSize(output)
            if calibrated == nil && Calibration.from(metadata: contents.metadata).stale {
                Output.standardError("switchboard: warning: the calibration of \(initial ?? "the parent") was kept but is stale: "
                    + "run `switchboard calibrate \(output) VAL.csv` to fit it to the new weights")
            }
            if format.json {
                var object = summaryJSON(report, labels: contents.labels, bytes: bytes, seconds: seconds)
                object["skipped_row_count"] = .number(skipped)
                object["weight_encoding"] = .string(contents.weightEncoding.rawValue)
                object["bucket_bits"] = .number(contents.features.bucketBits)
                object["features"] = features.json
                if let initial { object["init"] = Self.lineageJSON(contents, parent: initial) }
                if let calibrated { object["calibration"] = CalibrationOptions.json(calibrated) }
                Output.printJSON(JSONVocabulary.document(object))
            } else {
                var text = summaryText(report, bytes: bytes, seconds: seconds,
                                       weights: isCompact ? "int8, 2^\(contents.features.bucketBits) buckets" : nil)
                text += "\n" + Output.table([["features", features.note]])
                if let calibrated { text += "\n\ncalibration\n" + Output.table(CalibrationOptions.rows(calibrated)) }
                print(text)
            }
        }

        /// Prints one line per epoch to stderr.
        static func showProgress(of parameters: TrainingParameters) -> (EpochReport) -> Void {
            { r in
                var line = "epoch \(r.epoch)/\(parameters.epochs)  loss \(Output.fixed(r.loss))"
                if let a = r.validationAccuracy { line += "  validation accuracy \(Output.fixed(a))" }
                if let l = r.validationLoss { line += "  loss \(Output.fixed(l))" }
                Output.standardError(line + "  \(Output.fixed(r.seconds, 2))s")
            }
        }

        func summaryJSON(_ r: TrainingReport, labels: [String], bytes: Int, seconds: Double) -> [String: JSON] {
            var object: [String: JSON] = [
                "example_count": .number(r.examples), "labels": .array(labels.map(JSON.string)),
                "label_count": .number(r.labels), "epochs_run": .number(r.epochs),
                "max_epochs": .number(hyperparameters.epochs), "best_epoch": .number(r.bestEpoch),
                "elapsed_seconds": .number(seconds), "output": .string(output), "output_bytes": .number(bytes),
            ]
            if let a = r.validationAccuracy {
                object["validation_accuracy"] = .number(a)
                object["validation_example_count"] = .number(r.validationExamples)
            }
            return object
        }

        func summaryText(_ r: TrainingReport, bytes: Int, seconds: Double, weights: String? = nil) -> String {
            var rows = [["examples", "\(r.examples)"], ["labels", "\(r.labels)"],
                        ["epochs", "\(r.epochs) (best \(r.bestEpoch))"]]
            if let a = r.validationAccuracy {
                rows.append(["validation accuracy", "\(Output.fixed(a)) on \(r.validationExamples) examples"])
            }
            rows += [["seconds", Output.fixed(seconds, 2)], ["model", "\(output), \(Output.bytes(bytes))"]]
            if let weights { rows.append(["weights", weights]) }
            return Output.table(rows)
        }
    }
}
