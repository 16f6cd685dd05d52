import SwitchboardSupport
import ArgumentParser
import Foundation
import Switchboard

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension SwitchboardCommand {
    /// `switchboard predict MODEL [TEXT ...]`
    struct Predict: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Label texts with a model.",
            discussion: """
            Each TEXT argument is one query (a TEXT that names an existing file is refused: use \
            `label` for files, or `--` before the texts to classify them literally); with no TEXT, every line of standard input is one \
            query (invalid UTF-8 is replaced with U+FFFD). Prints one line per query, in order, \
            as `label` does in text mode: LABEL<TAB>PROBABILITY (4 decimals), where LABEL is the \
            unknown label when the top probability is below the threshold (the model's, or \
            --threshold) or the query has no features (empty, whitespace or punctuation only); \
            PROBABILITY is the top probability either way. With --top-k K, K more pairs follow: \
            the ranked labels, also for an abstained query (none without features).

            --json: one object per line: {"schema", "text", "label", "confidence", "abstained", \
            "top": [{"label", "confidence"}]}; "top" holds the K ranked labels (1 without --top-k).
            """)

        @Argument(help: ArgumentHelp("The model file.", valueName: "model"))
        var model: String

        @Argument(help: ArgumentHelp("Texts to label (default: one per line of standard input).", valueName: "text"))
        var texts: [String] = []

        @Option(parsing: .unconditional, help: ArgumentHelp("Also show the K most probable labels of each query.", valueName: "k"))
        var topK: Int?

        @Option(parsing: .unconditional, help: ArgumentHelp("Abstain below this probability (default: the model's threshold).", valueName: "t"))
        var threshold: Float?

        @Option(help: ArgumentHelp("Label of abstentions (default: the model's, else \"unknown\").", valueName: "name"))
        var unknownLabel: String?

        @OptionGroup var format: JSONOption

        func validate() throws {
            if let topK, topK < 1 { throw ValidationError("--top-k must be at least 1") }
            if let threshold, !(threshold >= 0 && threshold <= 1) { throw ValidationError("--threshold must be in [0, 1]") }
            if unknownLabel?.isEmpty == true { throw ValidationError("--unknown-label must not be empty") }
            // After `--` every TEXT is literal; without it, a TEXT naming a file is most likely a mistake.
            if !CommandLine.arguments.contains("--"), let file = texts.first(where: Self.isRegularFile) {
                throw ValidationError("TEXT '\(file)': that's a file; use `label` (switchboard label \(model) \(file)), "
                    + "or `--` before the texts to classify the literal text")
            }
        }

        /// Whether `path` names a regular file (after symlinks); a directory such as "." is a text.
        static func isRegularFile(_ path: String) -> Bool {
            var info = stat()
            return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
        }

        func run() throws {
            let classifier = try Classifier(contentsOf: model)
            var printer = QueryPrinter(classifier: classifier, topK: topK, threshold: threshold,
                                       unknownLabel: unknownLabel ?? classifier.calibration.unknownLabel, json: format.json)
            if texts.isEmpty {
                try StandardInput.forEachLineBatch { lines in
                    for line in lines { try printer.answer(line) }
                    try printer.output.flush()
                }
            } else {
                for text in texts { try printer.answer(text) }
            }
            try printer.output.flush()
        }
    }
}

/// Formats the answer to each query into a buffered stdout.
struct QueryPrinter {
    let classifier: Classifier
    let topK: Int?
    /// Abstain below this probability; nil: the model's threshold.
    let threshold: Float?
    let unknownLabel: String
    let json: Bool
    let scratch = FeatureScratch()
    var output = OutputBuffer()

    /// Answers `text` (`Classifier.answer`, the rule `label` applies) and buffers its line.
    mutating func answer(_ text: String) throws {
        let answer = classifier.answer(text, threshold: threshold, topK: json ? (topK ?? 1) : (topK ?? 0),
                                       scratch: scratch)
        let label = answer.labelIndex.map { classifier.labels[$0] } ?? unknownLabel
        try output.line(json ? jsonLine(text, label, answer) : textLine(label, answer))
    }

    private func textLine(_ label: String, _ answer: RoutedAnswer) -> String {
        var fields = [label, Output.fixed(Double(answer.confidence))]
        for h in answer.ranked { fields += [h.label, Output.fixed(h.probability)] }
        return fields.joined(separator: "\t")
    }

    private func jsonLine(_ text: String, _ label: String, _ answer: RoutedAnswer) -> String {
        let value = JSONVocabulary.document([
            "text": .string(text),
            "label": .string(label),
            "confidence": .number(answer.confidence),
            "abstained": .bool(answer.abstained),
            "top": .array(answer.ranked.map { ["label": .string($0.label), "confidence": .number(Float($0.probability))] }),
        ])
        return value.rendered()
    }
}

/// Reads standard input as lines with `read(2)` in large blocks.
enum StandardInput {
    /// Calls `body` with the complete lines of each block read (without "\n" or "\r\n"), so that
    /// interactive input is answered line by line and piped input in large batches. A final
    /// line without a newline is included. Bytes that are not UTF-8 are replaced with U+FFFD.
    static func forEachLineBatch(_ body: ([String]) throws -> Void) throws {
        var pending: [UInt8] = []
        var block = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = try block.withUnsafeMutableBytes { try SystemCalls.read(0, into: $0, path: "standard input") }
            if n == 0 { break }
            pending.append(contentsOf: block[0..<n])
            // Only the new bytes can hold a new line break: scanning all of `pending` each time
            // would make one very long line (no newline for megabytes) quadratic.
            guard let newline = block[0..<n].lastIndex(of: 0x0A) else { continue }
            let last = pending.count - n + newline
            try body(lines(pending[...last]))
            pending.removeSubrange(...last)
        }
        if !pending.isEmpty { try body(lines(pending[...])) }
    }

    /// Splits `bytes` at "\n" (dropping one trailing newline) and decodes each line.
    private static func lines(_ bytes: ArraySlice<UInt8>) -> [String] {
        var body = bytes
        if body.last == 0x0A { body = body.dropLast() }
        return body.split(separator: 0x0A, omittingEmptySubsequences: false).map { line in
            let trimmed = line.last == 0x0D ? line.dropLast() : line
            return String(decoding: trimmed, as: UTF8.self)
        }
    }
}
