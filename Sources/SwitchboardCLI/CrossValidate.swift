import SwitchboardData
import ArgumentParser
import Foundation
import Switchboard
import SwitchboardTraining

extension SmallLabelPolicy: ExpressibleByArgument {}

extension SwitchboardCommand {
    /// `switchboard crossval TRAIN.csv [--folds K] [--search GRID|auto] ...`
    struct CrossValidate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "crossval",
            abstract: "Estimate accuracy by stratified K-fold cross-validation, and optionally search training options.",
            discussion: """
            Deals each label's rows (shuffled from --seed) round-robin into K folds, trains on K−1 \
            folds and predicts the held-out one. Same data, options and seed give the same folds \
            and figures whatever --threads is: folds run concurrently, each training single-threaded, \
            and results are combined in fold order. Prints the mean and sample standard deviation \
            of accuracy and macro-F1 over the folds, and per-label recall (the worst labels; all of \
            them with --json). --predictions writes the out-of-fold predictions as CSV (file, line, \
            text, label, predicted, confidence, fold), atomically.
            Labels with fewer rows than K: --on-small-labels fail (default) refuses; merge keeps \
            them but deals them into folds as one pooled group (a fold may then test a label its \
            training part lacks, counted as wrong); drop leaves their rows out.
            --search tries options on the folds and prints the winner with the `train` command \
            that reproduces it; the other training options given here are kept. "grid" is \
            \(OptionSearch.builtInGrid) (every candidate on every fold); "auto" is successive \
            halving over \(OptionSearch.autoSpace): all candidates on fold 0, the best third on \
            folds 0–2, the best third of those on all folds; a custom grid is "key=v1,v2;key=..." \
            with keys bucket-bits, learning-rate, epochs, l2.
            """)

        @Argument(help: ArgumentHelp("Training data: CSV with a header row.", valueName: "train.csv"))
        var trainingFile: String

        @Option(help: ArgumentHelp("Number of folds (at least 2).", valueName: "k"))
        var folds = 5

        @Option(help: ArgumentHelp("Search options: grid, auto, or key=v1,v2;key=... .", valueName: "grid|auto"))
        var search: String?

        @Option(help: ArgumentHelp("Labels with fewer rows than folds: fail, merge or drop.", valueName: "policy"))
        var onSmallLabels = SmallLabelPolicy.fail

        @Option(help: ArgumentHelp("Write the out-of-fold predictions to this CSV file.", valueName: "file"))
        var predictions: String?

        @OptionGroup var columns: ColumnOptions

        @Option(help: ArgumentHelp("Seed for the folds, shuffling and held-out splits.", valueName: "n"))
        var seed = TrainingParameters().seed

        @OptionGroup var threads: ThreadOptions
        @OptionGroup var format: JSONOption
        @OptionGroup(title: "Hyperparameters") var hyperparameters: HyperparameterOptions
        @OptionGroup(title: "Semantic features") var semantic: EmbeddingOptions

        func validate() throws {
            if folds < 2 { throw ValidationError("--folds must be at least 2 (got \(folds))") }
            if let problem = hyperparameters.parameters(seed: seed, threads: 1).problem { throw ValidationError(problem) }
            if predictions?.isEmpty == true { throw ValidationError("--predictions must not be empty") }
            if let search, search != "grid", search != "auto" {
                // Keys and values only: whether there is a pack for embedding-weight is known in run().
                do { _ = try OptionSearch.candidates(search, base: hyperparameters.parameters(seed: seed, threads: 1)) } catch {
                    if error != .embeddingWeightWithoutPack { throw ValidationError(error.description) }
                }
            }
        }

        /// The grid `--search` names: the built-in grid, the auto space (with α when there is a
        /// semantic block), or the given one.
        func space(_ search: String, semantic: Bool) -> String {
            switch search {
            case "grid": OptionSearch.builtInGrid
            case "auto": OptionSearch.autoSpace + (semantic ? ";" + OptionSearch.autoSemanticSpace : "")
            default: search
            }
        }

        func run() throws {
            let start = ContinuousClock.now
            let data = try LabeledDataset.load(path: trainingFile, textColumn: columns.text, labelColumn: columns.label)
            let base = hyperparameters.parameters(seed: seed, threads: 1)
            let features = try semantic.resolve()
            let progress = Output.stderrIsTerminal ? Self.showProgress(start: start) : nil
            do {
                let split = try StratifiedFolds(labels: data.labels, folds: folds, seed: seed, policy: onSmallLabels)
                var searched: SearchResult?
                let result: CrossValidationResult
                if let search {
                    let candidates = try OptionSearch.candidates(space(search, semantic: features.settings != nil), base: base,
                                                                 semantic: features.settings)
                    let s = search == "auto"
                        ? try OptionSearch.auto(data, folds: split, candidates: candidates, base: base, semantic: features.settings,
                                                threads: threads.threads, progress: progress)
                        : try OptionSearch.grid(data, folds: split, candidates: candidates, base: base, semantic: features.settings,
                                                threads: threads.threads, progress: progress)
                    searched = s
                    result = s.best
                } else {
                    result = try CrossValidator.run(data, folds: split, parameters: base, semantic: features.settings,
                                                    threads: threads.threads, progress: progress)
                }
                if let predictions { try OutOfFoldFile.write(result, data: data, to: predictions) }
                let seconds = (ContinuousClock.now - start) / .seconds(1)
                let command = searched.map { trainCommand($0.trials[$0.winner].candidate, base: base) }
                if format.json {
                    var object = CrossValidationOutput.json(result, search: searched, command: command, seconds: seconds)
                    object["features"] = EmbeddingOptions.json(features)
                    Output.printJSON(JSONVocabulary.document(object))
                } else {
                    print(CrossValidationOutput.text(result, search: searched, command: command, seconds: seconds)
                          + "\n\n" + Output.table([["features", features.note]]))
                }
            } catch let error as CrossValidationError {
                throw CLIError(error.description)
            }
        }

        /// The `switchboard train` command line that trains the winner `c` on this file.
        func trainCommand(_ c: SearchCandidate, base: TrainingParameters) -> String {
            var words = ["switchboard", "train", trainingFile, "--output", "MODEL", "--seed", "\(seed)"]
            if columns.textColumn != "text" { words += ["--text-column", columns.textColumn] }
            if columns.labelColumn != "label" { words += ["--label-column", columns.labelColumn] }
            words += CrossValidationOutput.trainArguments(c.applied(to: base))
            words += semantic.trainArguments(weight: c.embeddingWeight)
            return words.map(CrossValidationOutput.shellQuoted).joined(separator: " ")
        }

        /// Prints "trainings done/all" and the elapsed time to stderr after each training.
        static func showProgress(start: ContinuousClock.Instant) -> CrossValidator.Progress {
            { done, all in
                Output.standardError("crossval: \(done)/\(all) trainings  \(Output.fixed((ContinuousClock.now - start) / .seconds(1), 1))s")
            }
        }
    }
}
