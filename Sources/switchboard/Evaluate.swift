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
            object with examples, accuracy, macro_f1, per_label {LABEL: {precision, recall, f1, \
            support}} and confusions [{label, predicted, count}] (most frequent first, at most \
            \(jsonConfusionLimit)).
            """)

        /// Most confusions listed in JSON and in the table.
        static let jsonConfusionLimit = 50
        static let tableConfusionLimit = 10

        @Argument(help: ArgumentHelp("The model file.", valueName: "model"))
        var model: String

        @Argument(help: ArgumentHelp("Labeled CSV files with a header row.", valueName: "test.csv"))
        var testFiles: [String]

        @OptionGroup var columns: ColumnOptions
        @OptionGroup var threads: ThreadOptions
        @OptionGroup var format: JSONOption

        func run() throws {
            let classifier = try Classifier(contentsOf: model)
            let data = try LabeledDataset.load(paths: testFiles, textColumn: columns.text, labelColumn: columns.label)
            let metrics = ClassifierMetrics.evaluate(classifier, on: data, threads: threads.threads)
            if format.json {
                Output.printJSON(Self.json(metrics))
            } else {
                print(Self.text(metrics))
            }
        }

        /// The metrics as one JSON object.
        static func json(_ m: ClassifierMetrics) -> JSON {
            let perLabel = m.perLabel.mapValues { l -> JSON in
                ["precision": .number(l.precision), "recall": .number(l.recall), "f1": .number(l.f1),
                 "support": .number(l.support)]
            }
            let confusions = m.confusions.prefix(jsonConfusionLimit).map { c -> JSON in
                ["label": .string(c.label), "predicted": .string(c.predicted), "count": .number(c.count)]
            }
            return ["examples": .number(m.examples), "accuracy": .number(m.accuracy), "macro_f1": .number(m.macroF1),
                    "per_label": .object(perLabel), "confusions": .array(confusions)]
        }

        /// The metrics as aligned tables for people.
        static func text(_ m: ClassifierMetrics) -> String {
            var out = Output.table([["examples", "\(m.examples)"], ["accuracy", Output.fixed(m.accuracy)],
                                    ["macro-F1", Output.fixed(m.macroF1)]])
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
