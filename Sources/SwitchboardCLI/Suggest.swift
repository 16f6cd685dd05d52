import SwitchboardData
import ArgumentParser
import Foundation
import Switchboard
import SwitchboardSupport
import SwitchboardTraining

extension UncertaintyStrategy: ExpressibleByArgument {}

extension SwitchboardCommand {
    /// `switchboard suggest MODEL UNLABELED.csv --count N [--strategy margin|entropy|mixed] [--output FILE]`
    struct Suggest: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pick the unlabeled rows most worth labeling next.",
            discussion: """
            Ranks the rows by the model's uncertainty (margin: 1 − (p₁ − p₂); entropy: the label \
            entropy over ln(labels); mixed: their mean), then picks from the top: a row whose \
            normalized text or near-duplicate (hashed n-gram Jaccard ≥ \(DataDoctor.nearDuplicateJaccard)) \
            was already picked is skipped, and no predicted route gets more than twice its fair \
            share of the picks (at least 2) while other rows remain. Writes CSV (line, text, guess, \
            confidence, runner_up, runner_up_confidence, uncertainty) to --output, atomically, or \
            to stdout; the same seed gives the same picks.
            """)

        @Argument(help: ArgumentHelp("The model file.", valueName: "model"))
        var model: String

        @Argument(help: ArgumentHelp("Unlabeled rows: CSV with a header row and a text column.", valueName: "unlabeled.csv"))
        var unlabeledFile: String

        @Option(help: ArgumentHelp("Rows to pick.", valueName: "n"))
        var count: Int

        @Option(help: ArgumentHelp("Uncertainty: margin, entropy or mixed.", valueName: "strategy"))
        var strategy = UncertaintyStrategy.margin

        @Option(help: ArgumentHelp("Write the picks to this CSV file (default: stdout).", valueName: "file"))
        var output: String?

        @Option(help: ArgumentHelp("Text column: a header name or a 0-based index.", valueName: "name|index"))
        var textColumn = "text"

        @Option(help: ArgumentHelp("Seed for breaking ties between equally uncertain rows.", valueName: "n"))
        var seed: UInt64 = 42

        @OptionGroup var threads: ThreadOptions

        func validate() throws {
            if count < 1 { throw ValidationError("--count must be at least 1 (got \(count))") }
            if output?.isEmpty == true { throw ValidationError("--output must not be empty") }
        }

        func run() throws {
            let classifier = try Classifier(contentsOf: model)
            let data = try LabeledDataset.loadTexts(path: unlabeledFile, textColumn: ColumnSelector(textColumn))
            let picks = RowSuggester.suggest(data.texts, classifier: classifier, count: count, strategy: strategy,
                                             seed: seed, threads: threads.threads)
            let csv = Self.csv(picks, data: data)
            if let output {
                do { try AtomicFile.write(Array(csv.utf8), to: output) } catch {
                    throw CLIError("cannot write '\(output)': \(error.reason(writing: output))")
                }
            } else {
                print(csv, terminator: "")
            }
        }

        static func csv(_ picks: [SuggestedRow], data: (texts: [String], lines: [Int])) -> String {
            var out = "line,text,guess,confidence,runner_up,runner_up_confidence,uncertainty\n"
            for p in picks {
                let fields = ["\(data.lines[p.row])", data.texts[p.row], p.guess ?? "", Output.fixed(p.confidence),
                              p.runnerUp ?? "", Output.fixed(p.runnerUpConfidence), Output.fixed(p.uncertainty)]
                out += fields.map(Self.quoted).joined(separator: ",") + "\n"
            }
            return out
        }

        /// A CSV field, quoted when it holds a comma, quote or line break (RFC 4180).
        static func quoted(_ field: String) -> String {
            guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
            return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
    }
}
