import SwitchboardLabeling
import SwitchboardSupport
import SwitchboardData
import ArgumentParser
import Foundation
import Switchboard
import SwitchboardTraining

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension LabelFormat: ExpressibleByArgument {}
extension BadRowPolicy: ExpressibleByArgument {}

extension SwitchboardCommand {
    /// `switchboard label MODEL [INPUT|-] [--output OUT|-]`
    struct Label: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Label a CSV, JSON Lines or text file in bulk.",
            discussion: """
            The format follows INPUT's extension (.csv, .jsonl/.ndjson, else text) unless --format \
            is given; standard input (INPUT omitted or -) is text unless --format says otherwise.

            CSV keeps every column and appends label, confidence. JSON Lines keeps each object \
            and adds "label", "confidence" (and "top": the K best as {"label", "confidence"}). \
            An input that already has one of these columns (CSV header) or members (a JSON \
            object: a bad row) is refused rather than overwritten: --output-prefix P writes \
            P+label, P+confidence... instead. Text: one query per line in, \
            LABEL<TAB>CONFIDENCE per line out, as `predict` prints.

            A row whose top probability is below the threshold, or with no features (empty or \
            whitespace-only text too), gets the unknown label; its confidence is still the top \
            probability. --top-k K adds the K ranked labels after the routed one, also for an \
            abstained row (CSV: label_1, confidence_1 ... label_K, confidence_K; text: K pairs).

            Bad rows (wrong field count, invalid UTF-8, invalid JSON, missing text field) stop \
            the run with FILE:LINE (exit 1), or with --on-error skip are reported on stderr and \
            left out (CSV, JSON Lines) or answered with the unknown label and confidence 0 (text, \
            so output line N answers input line N). Malformed CSV quoting is always fatal.

            --output is written to a temporary file renamed into place at the end: a failed or \
            interrupted run leaves no partial file. Progress goes to stderr when it is a terminal.
            """)

        @Argument(help: ArgumentHelp("The model file.", valueName: "model"))
        var model: String

        @Argument(help: ArgumentHelp("Input file; - or none: standard input.", valueName: "input"))
        var input: String?

        @Option(name: [.short, .long], help: ArgumentHelp("Output file; - or none: standard output.", valueName: "out"))
        var output: String?

        @Option(help: ArgumentHelp("Input and output format: csv, jsonl or text (default: from the extension).",
                                   valueName: "format"))
        var format: LabelFormat?

        @Option(name: .customLong("text-column"),
                help: ArgumentHelp("CSV: the text column, a header name or 0-based index; several separated by commas (subject,body) are joined.",
                                   valueName: "name|index"))
        var textColumn = "text"

        @Option(help: ArgumentHelp("JSON Lines: the member holding the text.", valueName: "name"))
        var textField = "text"

        @Option(help: ArgumentHelp("Write the added columns / members under this prefix (e.g. predicted_ gives predicted_label, predicted_confidence).",
                                   valueName: "prefix"))
        var outputPrefix = ""

        @Option(parsing: .unconditional, help: ArgumentHelp("Also output the K most probable labels, after the routed one.", valueName: "k"))
        var topK: Int?

        @Option(parsing: .unconditional, help: ArgumentHelp("Abstain below this probability (default: the model's threshold).", valueName: "t"))
        var threshold: Float?

        @Option(help: ArgumentHelp("Label of abstentions (default: the model's, else \"unknown\").", valueName: "name"))
        var unknownLabel: String?

        @Option(help: ArgumentHelp("Bad rows: fail (stop, exit 1) or skip (leave out, report on stderr).",
                                   valueName: "fail|skip"))
        var onError = BadRowPolicy.fail

        @OptionGroup var threads: ThreadOptions

        private var inputPath: String? { input == "-" ? nil : input }
        private var outputPath: String? { output == "-" ? nil : output }

        func validate() throws {
            if textColumn.split(separator: ",", omittingEmptySubsequences: false).contains(where: \.isEmpty) {
                throw ValidationError("--text-column '\(textColumn)' has an empty column name (separate names with single commas)")
            }
            if let topK, topK < 1 { throw ValidationError("--top-k must be at least 1") }
            if let threshold, !(threshold >= 0 && threshold <= 1) { throw ValidationError("--threshold must be in [0, 1]") }
            if unknownLabel?.isEmpty == true { throw ValidationError("--unknown-label must not be empty") }
            if let inputPath, let outputPath, Self.sameFile(inputPath, outputPath) {
                throw ValidationError("--output must not be the input file")
            }
        }

        func run() throws {
            if let outputPath { try OutputCheck.writable(outputPath) }
            let classifier = try ModelOutput.classifier(at: model)
            var options = BatchLabelOptions(format: try Self.chosenFormat(format, input: inputPath))
            let columns = textColumn.split(separator: ",", omittingEmptySubsequences: false).map { ColumnSelector(String($0)) }
            options.textColumn = columns[0]
            options.extraTextColumns = Array(columns.dropFirst())
            options.textField = textField
            options.topK = topK
            options.threshold = threshold
            options.unknownLabel = unknownLabel
            options.threads = threads.threads
            options.onError = onError
            options.outputPrefix = outputPrefix
            let inputName = inputPath ?? "<stdin>"
            let inputFD = try inputPath.map { try SystemCalls.open($0, O_RDONLY | O_CLOEXEC) } ?? 0
            defer { if inputFD != 0 { close(inputFD) } }
            var firstRead = true  // the first block is checked for UTF-16/32 and compressed input
            try InterruptCleanup.during {
                let destination = try outputPath.map { try AtomicFile(path: $0) }
                let outputName = outputPath ?? "standard output"
                let progress = Output.stderrIsTerminal ? ProgressLine() : nil
                let summary: BatchLabelSummary
                do {
                    summary = try BatchLabeler(classifier: classifier, options: options).run(
                        inputName: inputName,
                        read: { buffer in
                            let n = try SystemCalls.read(inputFD, into: buffer, path: inputName)
                            if firstRead, let problem = InputFile.foreignFormat(UnsafeRawBufferPointer(rebasing: buffer[..<n])) {
                                throw CSVError(file: inputName, line: 1, message: problem)
                            }
                            firstRead = false
                            return n
                        },
                        write: { bytes in
                            if let destination { try destination.write(bytes) }
                            else { try SystemCalls.writeAll(1, bytes, path: outputName) }
                        },
                        progress: progress.map { p in { p.update(rows: $0) } },
                        skipped: { progress?.clear(); Output.standardError("switchboard: \(skippedWord) \($0)") })
                    try destination?.commit()
                } catch {
                    progress?.finish()
                    destination?.discard()
                    throw error
                }
                progress?.finish()
                if summary.skipped > 0 {
                    Output.standardError("switchboard: \(skippedWord) \(summary.skipped) bad row\(summary.skipped == 1 ? "" : "s")")
                }
            }
        }

        /// What happened to a bad row under --on-error skip: text keeps it as an unknown-label line.
        private var skippedWord: String {
            (format ?? inputPath.map(LabelFormat.init(path:)) ?? .text) == .text ? "answered with the unknown label:" : "skipped"
        }

        /// `--format`, else the input's extension (standard input: text). A guess is said on a
        /// terminal; a TSV file, which no format reads, is refused with what to do.
        static func chosenFormat(_ given: LabelFormat?, input: String?) throws -> LabelFormat {
            if let given { return given }
            guard let input else { return .text }
            if input.lowercased().hasSuffix(".tsv") {
                throw CLIError("'\(input)' looks like TSV, which label does not read: convert it to CSV "
                    + "(e.g. with Python's csv module), or give --format text to label each whole line")
            }
            let guessed = LabelFormat(path: input)
            if Output.stderrIsTerminal {
                Output.standardError("switchboard: reading '\(input)' as \(guessed.rawValue) (from its name; --format to choose)")
            }
            return guessed
        }

        static func sameFile(_ a: String, _ b: String) -> Bool {
            var x = stat(), y = stat()
            return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino
        }
    }
}

/// "labeled N rows (R rows/s)" on one stderr line, redrawn at most 4 times a second.
final class ProgressLine {
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant
    private var last: ContinuousClock.Instant
    private var shown = false

    init() {
        start = clock.now
        last = start
    }

    func update(rows: Int) {
        let now = clock.now
        guard now - last >= .milliseconds(250) else { return }  // a few redraws a second is readable
        last = now
        let seconds = (now - start) / .seconds(1)
        let line = "\rlabeled \(rows) rows (\(Int(Double(rows) / max(seconds, 1e-9))) rows/s)\u{1B}[K"
        FileHandle.standardError.write(Data(line.utf8))
        shown = true
    }

    /// Erases the line (before another message).
    func clear() {
        if shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        shown = false
    }

    func finish() { clear() }
}
