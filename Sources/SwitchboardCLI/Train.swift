import ArgumentParser
import Foundation
import Switchboard
import SwitchboardTraining

extension ClassWeighting: ExpressibleByArgument {}

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

    @Option(help: ArgumentHelp("Maximum passes over the training data.", valueName: "n"))
    var epochs = defaults.epochs

    @Option(help: ArgumentHelp("Initial SGD step size (decays linearly to 0).", valueName: "rate"))
    var learningRate = defaults.learningRate

    @Option(name: .customLong("l2"), help: ArgumentHelp("L2 penalty (weight decay); 0 disables it.", valueName: "penalty"))
    var l2 = defaults.l2

    @Option(help: ArgumentHelp("Hash features into 2^bits buckets (\(FeatureConfiguration.bucketBitsRange); default: \(defaults.features.bucketBits), or what fits --max-size).", valueName: "bits"))
    var bucketBits: Int?

    @Option(name: .customLong("word-ngrams"), help: ArgumentHelp("Word n-gram lengths, MIN-MAX; 0 disables.", valueName: "min-max"))
    var wordNGrams = NGramRange(min: defaults.features.wordNGramMin, max: defaults.features.wordNGramMax)

    @Option(name: .customLong("char-ngrams"), help: ArgumentHelp("Character n-gram lengths, MIN-MAX; 0 disables.", valueName: "min-max"))
    var charNGrams = NGramRange(min: defaults.features.charNGramMin, max: defaults.features.charNGramMax)

    @Flag(inversion: .prefixedNo, help: "Fold diacritics (é → e) after lowercasing.")
    var foldDiacritics = defaults.features.foldDiacritics

    @Flag(name: .customLong("sublinear-tf"), inversion: .prefixedNo, help: "Weight term counts by 1 + ln(tf).")
    var sublinearTF = defaults.features.sublinearTF

    @Flag(name: .customLong("idf"), inversion: .prefixedNo, help: "Multiply features by inverse document frequency.")
    var idf = defaults.features.useIDF

    @Option(help: ArgumentHelp("Loss weight per class: none, or balanced (rare labels count more).", valueName: "mode"))
    var classWeighting = defaults.classWeighting

    @Option(help: ArgumentHelp("Hold out this fraction of TRAIN.csv for early stopping when --validation is not given (default: \(defaults.validationFraction)).", valueName: "f"))
    var validationFraction: Double?

    @Option(help: ArgumentHelp("Stop after this many epochs without better validation accuracy.", valueName: "n"))
    var patience = defaults.patience

    /// These settings as training parameters.
    func parameters(seed: UInt64, threads: Int) -> TrainingParameters {
        var p = TrainingParameters()
        p.features = FeatureConfiguration(
            bucketBits: bucketBits ?? Self.defaults.features.bucketBits, wordNGramMin: wordNGrams.min, wordNGramMax: wordNGrams.max,
            charNGramMin: charNGrams.min, charNGramMax: charNGrams.max, foldDiacritics: foldDiacritics,
            sublinearTF: sublinearTF, useIDF: idf)
        p.epochs = epochs
        p.learningRate = learningRate
        p.l2 = l2
        p.classWeighting = classWeighting
        p.seed = seed
        p.threads = threads
        p.validationFraction = validationFraction ?? p.validationFraction
        p.patience = patience
        return p
    }
}

extension SwitchboardCommand {
    /// `switchboard train TRAIN.csv --output MODEL ...`
    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a model from a labeled CSV file.",
            discussion: """
            Writes the model atomically (a new file renamed into place). When stderr is a terminal, \
            prints one progress line per epoch to stderr. --json prints one JSON object with \
            examples, labels, epochs, best_epoch, seconds, model, model_bytes, and \
            validation_accuracy / validation_examples when there is validation data.
            Calibration (--calibrate, implied by --unknown-label / --target-precision / \
            --target-coverage; needs --validation): after training, fits the temperature and the \
            abstention threshold on the validation files exactly as `switchboard calibrate` does, \
            and writes the calibrated model; JSON then adds "calibration" (calibrate's object). \
            Rows with the unknown label are left out of early stopping. --validation may be \
            repeated (e.g. val.csv and oos_val.csv); the files are concatenated.
            Compact models: --compact writes int8 weights (as `switchboard compress`, after any \
            calibration); --max-size SIZE (2MB, 500KB, 2MiB; MB = 1e6 bytes) implies it and, before \
            training, lowers the bucket bits to the largest that fit (an explicit --bucket-bits that \
            does not fit is a usage error). JSON adds weight_encoding and bucket_bits.
            """)

        @Argument(help: ArgumentHelp("Training data: CSV with a header row.", valueName: "train.csv"))
        var trainingFile: String

        @Option(name: [.short, .long], help: ArgumentHelp("Where to write the model.", valueName: "model"))
        var output: String

        @Flag(help: "Write int8 weights (format version 2): a quarter of the float model's size, same accuracy.")
        var compact = false

        @Option(help: ArgumentHelp("Write an int8 model of at most this size (2MB, 500KB, 2MiB) with the most buckets that fit; implies --compact.",
                                   valueName: "size"))
        var maxSize: ByteSize?

        @Option(parsing: .singleValue,
                help: ArgumentHelp("Validation CSV for early stopping (same columns); may be repeated.", valueName: "val.csv"))
        var validation: [String] = []

        @Flag(help: "Calibrate the model on the --validation data after training (see `switchboard calibrate`).")
        var calibrate = false

        @OptionGroup(title: "Calibration") var calibration: CalibrationOptions

        @OptionGroup var columns: ColumnOptions

        @Option(help: ArgumentHelp("Seed for shuffling and the held-out split.", valueName: "n"))
        var seed = TrainingParameters().seed

        @OptionGroup var threads: ThreadOptions
        @OptionGroup var format: JSONOption
        @OptionGroup(title: "Hyperparameters") var hyperparameters: HyperparameterOptions
        @OptionGroup(title: "Semantic features") var semantic: EmbeddingOptions

        func validate() throws {
            if !validation.isEmpty && hyperparameters.validationFraction != nil {
                throw ValidationError("--validation and --validation-fraction cannot be used together")
            }
            if let problem = hyperparameters.parameters(seed: seed, threads: threads.threads).problem {
                throw ValidationError(problem)
            }
            if isCalibrating && validation.isEmpty {
                throw ValidationError("--calibrate, --unknown-label and --target-* need --validation")
            }
        }

        /// Whether the model is calibrated after training.
        var isCalibrating: Bool { calibrate || calibration.isGiven }

        func run() throws {
            let clock = ContinuousClock()
            let start = clock.now
            let data = try LabeledDataset.load(path: trainingFile, textColumn: columns.text, labelColumn: columns.label)
            let held = validation.isEmpty ? nil
                : try LabeledDataset.load(paths: validation, textColumn: columns.text, labelColumn: columns.label)
            let unknownLabel = calibration.unknownLabel ?? Calibration().unknownLabel
            // Early stopping judges the labels the model can learn: unknown-label rows only when calibrating.
            let stopping = held.map { h in
                isCalibrating ? zip(h.texts, h.labels).filter { $0.1 != unknownLabel } : Array(zip(h.texts, h.labels))
            }
            var parameters = hyperparameters.parameters(seed: seed, threads: threads.threads)
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
            var (contents, report) = try Trainer.train(
                texts: data.texts, labels: data.labels, validation: stopping.map { ($0.map(\.0), $0.map(\.1)) },
                parameters: parameters, semantic: features.settings,
                progress: Output.stderrIsTerminal ? Self.showProgress(of: parameters) : nil)
            var calibrated: CalibrationReport?
            if isCalibrating, let held {
                (contents, calibrated) = try calibration.calibrate(contents, on: held, unknownLabel: unknownLabel,
                                                                   threads: threads.threads)
            }
            contents = try compacted(contents)
            try ModelOutput.write(contents, to: output)
            let bytes = try Output.fileSize(output)
            let seconds = (clock.now - start) / .seconds(1)
            if format.json {
                var json = summaryJSON(report, bytes: bytes, seconds: seconds)
                if case .object(var object) = json {
                    object["weight_encoding"] = .string(contents.weightEncoding.rawValue)
                    object["bucket_bits"] = .number(contents.features.bucketBits)
                    object["features"] = EmbeddingOptions.json(features)
                    json = .object(object)
                }
                if let calibrated, case .object(var object) = json {
                    object["calibration"] = CalibrationOptions.json(calibrated)
                    json = .object(object)
                }
                Output.printJSON(json)
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
                Output.standardError(line + "  \(Output.fixed(r.seconds, 2))s")
            }
        }

        func summaryJSON(_ r: TrainingReport, bytes: Int, seconds: Double) -> JSON {
            var object: [String: JSON] = [
                "examples": .number(r.examples), "labels": .number(r.labels), "epochs": .number(r.epochs),
                "best_epoch": .number(r.bestEpoch), "seconds": .number(seconds),
                "model": .string(output), "model_bytes": .number(bytes),
            ]
            if let a = r.validationAccuracy {
                object["validation_accuracy"] = .number(a)
                object["validation_examples"] = .number(r.validationExamples)
            }
            return .object(object)
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
