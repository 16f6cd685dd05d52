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
            query (invalid UTF-8 is replaced with U+FFFD). Prints one line per query, in order: \
            LABEL<TAB>PROBABILITY (4 decimals), or with --top-k K the K best as LABEL:PROBABILITY \
            separated by tabs. --json prints one JSON object per line: {"schema", "text", \
            "label", "confidence", "top": [{"label", "confidence"}]} (confidence: the label's \
            probability).
            A query with no features (empty, or only punctuation) has no label: it prints an \
            empty label with probability 0.0000 (an empty line with --top-k), and in JSON \
            "label": null, "confidence": null, "top": [].
            """)

        @Argument(help: ArgumentHelp("The model file.", valueName: "model"))
        var model: String

        @Argument(help: ArgumentHelp("Texts to label (default: one per line of standard input).", valueName: "text"))
        var texts: [String] = []

        @Option(help: ArgumentHelp("Show the K most probable labels of each query.", valueName: "k"))
        var topK: Int?

        @OptionGroup var format: JSONOption

        func validate() throws {
            if let topK, topK < 1 { throw ValidationError("--top-k must be at least 1") }
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
            var printer = QueryPrinter(classifier: classifier, topK: topK, json: format.json)
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
    let json: Bool
    let scratch = FeatureScratch()
    var output = OutputBuffer()

    /// Labels `text` and buffers its output line.
    mutating func answer(_ text: String) throws {
        if topK == nil && !json {
            let p = classifier.predict(text, scratch: scratch)
            let label = p.labelIndex >= 0 ? classifier.labels[p.labelIndex] : ""
            return try output.line(label + "\t" + Output.fixed(Double(p.probability)))
        }
        let top = classifier.rankedHypotheses(for: text, maximumCount: topK ?? 1, scratch: scratch)
        try output.line(json ? jsonLine(text, top) : textLine(top))
    }

    private func textLine(_ top: [LabelHypothesis]) -> String {
        top.map { "\($0.label):\(Output.fixed($0.probability))" }.joined(separator: "\t")
    }

    private func jsonLine(_ text: String, _ top: [LabelHypothesis]) -> String {
        let best = top.first
        let value = JSONVocabulary.document([
            "text": .string(text),
            "label": best.map { .string($0.label) } ?? .null,
            "confidence": best.map { .number(Float($0.probability)) } ?? .null,
            "top": .array(top.map { ["label": .string($0.label), "confidence": .number(Float($0.probability))] }),
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
