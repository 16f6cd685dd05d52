import SwitchboardData
import ArgumentParser
import Switchboard
import SwitchboardTraining

extension SwitchboardCommand {
    /// `switchboard evaluate MODEL TEST.csv [MORE.csv ...]`
    struct Evaluate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure a model's accuracy on labeled CSV files.",
            discussion: """
            The files are concatenated. A test label the model does not know counts as wrong, and \
            so does a text with no features (predicted label "(none)"; "" in JSON). Macro-F1 \
            averages over every label in the test data or in the predictions. --json prints one \
            object with model, example_count, accuracy, macro_f1, per_label {LABEL: {precision, \
            recall, f1, example_count}} and confusions [{label, predicted_label, example_count}] \
            (most frequent first, at most \(jsonConfusionLimit)), plus ece.
            Abstention: rows labeled with the unknown label (--unknown-label, default the model's) \
            are out of scope. ece is the expected calibration error (15 bins) of the other rows. \
            With a threshold (--threshold, default the model's calibrated one) a query whose top \
            probability is below it is answered with the unknown label: accuracy and per_label \
            then count an abstention on an unknown-label row as correct (the unknown label gets \
            its own per_label entry when test rows carry it), and JSON adds threshold, coverage \
            (fraction answered), answered_accuracy, in_scope_accuracy (an abstention is wrong) and \
            unknown_recall (fraction of unknown-label rows abstained on; null when there are none). \
            Without a threshold an unknown-label row always counts as wrong.
            """)

        /// Most confusions listed in JSON and in the table.
        static let jsonConfusionLimit = 50
        static let tableConfusionLimit = 10

        @Argument(help: ArgumentHelp("The model file.", valueName: "model"))
        var model: String

        @Argument(help: ArgumentHelp("Labeled CSV files with a header row.", valueName: "test.csv"))
        var testFiles: [String]

        @Option(help: ArgumentHelp("The label of out-of-scope rows (default: the model's).", valueName: "name"))
        var unknownLabel: String?

        @Option(parsing: .unconditional, help: ArgumentHelp("Abstain below this top probability (default: the model's calibrated threshold, if any).",
                                   valueName: "t"))
        var threshold: Float?

        @OptionGroup var columns: ColumnOptions
        @OptionGroup var threads: ThreadOptions
        @OptionGroup var format: JSONOption

        func validate() throws {
            if let threshold, !(threshold >= 0 && threshold <= 1) { throw ValidationError("--threshold must be in [0, 1]") }
            if unknownLabel?.isEmpty == true { throw ValidationError("--unknown-label must not be empty") }
        }

        func run() throws {
            let classifier = try ModelOutput.classifier(at: model)
            let data = try LabeledInput.load(testFiles, columns: columns).dataset
            let evaluation = AbstentionEvaluation.evaluate(
                classifier, on: data, unknownLabel: unknownLabel ?? classifier.calibration.unknownLabel,
                threshold: threshold ?? classifier.calibration.threshold, threads: threads.threads)
            if format.json {
                guard case .object(var object) = Self.json(evaluation) else { return }
                object["model"] = .string(model)
                Output.printJSON(JSONVocabulary.document(object))
            } else {
                print(Self.text(evaluation))
            }
        }

        /// The metrics with the abstention figures as one JSON object.
        static func json(_ e: AbstentionEvaluation) -> JSON {
            guard case .object(var object) = json(e.metrics) else { return json(e.metrics) }
            object["ece"] = .number(e.ece)
            if let a = e.abstention {
                object["threshold"] = .number(a.threshold)
                object["coverage"] = .number(a.coverage)
                object["answered_accuracy"] = .number(a.answeredAccuracy)
                object["in_scope_accuracy"] = .number(a.inScopeAccuracy)
                object["unknown_recall"] = a.unknownRecall.map { JSON.number($0) } ?? .null
            }
            return .object(object)
        }

        /// The metrics with the abstention figures as tables for people.
        static func text(_ e: AbstentionEvaluation) -> String {
            var rows = [["ECE", Output.fixed(e.ece)]]
            if let a = e.abstention {
                rows += [["threshold", Output.fixed(Double(a.threshold))], ["coverage", Output.fixed(a.coverage)],
                         ["answered accuracy", Output.fixed(a.answeredAccuracy)],
                         ["in-scope accuracy", Output.fixed(a.inScopeAccuracy)],
                         ["unknown recall", a.unknownRecall.map { Output.fixed($0) } ?? "n/a (no unknown-label rows)"]]
            }
            return text(e.metrics, extra: rows)
        }

        /// The metrics as one JSON object.
        static func json(_ m: ClassifierMetrics) -> JSON {
            let perLabel = m.perLabel.mapValues { l -> JSON in
                ["precision": .number(l.precision), "recall": .number(l.recall), "f1": .number(l.f1),
                 "example_count": .number(l.support)]
            }
            let confusions = m.confusions.prefix(jsonConfusionLimit).map { c -> JSON in
                ["label": .string(c.label), "predicted_label": .string(c.predicted), "example_count": .number(c.count)]
            }
            return ["example_count": .number(m.examples), "accuracy": .number(m.accuracy), "macro_f1": .number(m.macroF1),
                    "per_label": .object(perLabel), "confusions": .array(confusions)]
        }

        /// The metrics as aligned tables for people; `extra` rows join the summary table.
        static func text(_ m: ClassifierMetrics, extra: [[String]] = []) -> String {
            var out = Output.table([["examples", "\(m.examples)"], ["accuracy", Output.fixed(m.accuracy)],
                                    ["macro-F1", Output.fixed(m.macroF1)]] + extra)
            let labels = m.perLabel.keys.sorted()
            var rows = [["label", "precision", "recall", "f1", "support"]]
            for label in labels {
                let l = m.perLabel[label]!
                rows.append([label, Output.fixed(l.precision), Output.fixed(l.recall), Output.fixed(l.f1), "\(l.support)"])
            }
            out += "\n\n" + Output.table(rows, rightAligned: [1, 2, 3, 4])
            guard !m.confusions.isEmpty else { return out + "\n\nno confusions" }
            var confusions = [["label", "predicted as", "count"]]
            for c in m.confusions.prefix(tableConfusionLimit) {
                confusions.append([c.label, c.predictedDisplayName, "\(c.count)"])
            }
            let shown = min(m.confusions.count, tableConfusionLimit)
            out += "\n\ntop \(shown) of \(m.confusions.count) confusions\n"
            return out + Output.table(confusions, rightAligned: [2])
        }
    }
}
