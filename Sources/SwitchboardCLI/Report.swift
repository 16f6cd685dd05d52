import SwitchboardData
import ArgumentParser
import Switchboard
import SwitchboardReport
import SwitchboardTraining

extension SwitchboardCommand {
    /// `switchboard report MODEL TEST.csv [MORE.csv ...] --output report.html`
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a self-contained HTML evaluation report of a model on labeled CSV files.",
            discussion: """
            One HTML file with inline CSS, SVG and script (no network): headline figures \
            (accuracy, macro-F1, ECE; with a threshold coverage and answered accuracy; with \
            unknown-label rows in-scope accuracy and unknown recall), a sortable per-label table, \
            a heatmap of the most confused labels with the top confusions and example queries, \
            the coverage–accuracy curve with the threshold marked, a reliability diagram, the \
            model's options, and with --bench the figures of `switchboard bench --json`. The \
            figures are those of `switchboard evaluate` with the same options. The file is \
            written atomically.
            """)

        @Argument(help: ArgumentHelp("The model file.", valueName: "model"))
        var model: String

        @Argument(help: ArgumentHelp("Labeled CSV files with a header row.", valueName: "test.csv"))
        var testFiles: [String]

        @Option(name: [.short, .long], help: ArgumentHelp("Where to write the HTML report.", valueName: "report.html"))
        var output: String

        @Option(help: ArgumentHelp("The label of out-of-scope rows (default: the model's).", valueName: "name"))
        var unknownLabel: String?

        @Option(parsing: .unconditional, help: ArgumentHelp("Abstain below this top probability (default: the model's calibrated threshold, if any).",
                                   valueName: "t"))
        var threshold: Float?

        @Option(help: ArgumentHelp("Output of `switchboard bench --json` to show.", valueName: "bench.json"))
        var bench: String?

        @OptionGroup var columns: ColumnOptions
        @OptionGroup var threads: ThreadOptions

        func validate() throws {
            if let threshold, !(threshold >= 0 && threshold <= 1) { throw ValidationError("--threshold must be in [0, 1]") }
            if unknownLabel?.isEmpty == true { throw ValidationError("--unknown-label must not be empty") }
            if output.isEmpty { throw ValidationError("--output must not be empty") }
        }

        func run() throws {
            try OutputCheck.writable(output)
            let classifier = try Classifier(contentsOf: model)
            let data = try LabeledInput.load(testFiles, columns: columns).dataset
            let figures: [(String, String)]
            do { figures = try bench.map { path throws(ReportError) in try BenchFigures.load(path: path) } ?? [] } catch {
                throw CLIError(error.description)
            }
            let report = EvaluationReport(
                classifier: classifier, data: data, modelName: model,
                unknownLabel: unknownLabel ?? classifier.calibration.unknownLabel,
                threshold: threshold ?? classifier.calibration.threshold, threads: threads.threads, bench: figures)
            do { try ReportFile.write(report.html(), to: output) } catch { throw CLIError(error.description) }
        }
    }
}
