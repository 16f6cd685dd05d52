import SwitchboardSupport
import SwitchboardData
import Foundation
import Switchboard

/// The input format of batch labeling; the output is written in the same format.
public enum LabelFormat: String, Sendable, CaseIterable {
    /// CSV with a header row: every column is kept and `label`, `confidence` are appended.
    case csv
    /// JSON Lines: one object per line, kept with `label` and `confidence` members added.
    case jsonl
    /// One query per line in, `LABEL<TAB>CONFIDENCE` per line out.
    case text

    /// The format a file name implies: `.csv`, `.jsonl` or `.ndjson`, else text (any case).
    public init(path: String) {
        let name = path.lowercased()
        if name.hasSuffix(".csv") {
            self = .csv
        } else if name.hasSuffix(".jsonl") || name.hasSuffix(".ndjson") {
            self = .jsonl
        } else {
            self = .text
        }
    }
}

/// Classifies rows and formats their output lines; shared read-only by the worker threads.
struct LabelWriter: Sendable {
    let classifier: Classifier
    let format: LabelFormat
    let topK: Int?
    /// Abstain below this top probability; nil = never.
    let threshold: Float?
    let textField: String
    /// Written before the added column and member names.
    let prefix: String
    /// JSON Lines: the members added to each object (label, confidence, then top with a top-k).
    let jsonMembers: [String]
    /// JSON Lines: each added member's quoted name and colon, in `jsonMembers` order.
    let memberKeys: [[UInt8]]
    /// Each label, then the unknown label (at `labels.count`), encoded for the format: a quoted
    /// CSV field, a JSON string literal, or the raw bytes for text.
    let encoded: [[UInt8]]
    let labelIndex: [String: Int]

    init(classifier: Classifier, options: BatchLabelOptions) {
        self.classifier = classifier
        format = options.format
        topK = options.topK
        threshold = options.threshold ?? classifier.calibration.threshold
        textField = options.textField
        prefix = options.outputPrefix
        jsonMembers = (options.topK == nil ? ["label", "confidence"] : ["label", "confidence", "top"])
            .map { options.outputPrefix + $0 }
        memberKeys = jsonMembers.map { FastFormat.jsonString($0) + [UInt8(ascii: ":")] }
        let names = classifier.labels + [options.unknownLabel ?? classifier.calibration.unknownLabel]
        encoded = names.map { name in
            switch options.format {
            case .csv: FastFormat.csvField(name)
            case .jsonl: FastFormat.jsonString(name)
            case .text: Array(name.utf8)
            }
        }
        labelIndex = Dictionary(classifier.labels.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    }

    var unknown: Int { encoded.count - 1 }

    /// The CSV columns appended to the header: the routed label and its confidence, then with
    /// `topK` the ranked labels label_1, confidence_1 ... label_K, confidence_K.
    var csvColumns: [String] {
        (["label", "confidence"] + (1..<((topK ?? 0) + 1)).flatMap { ["label_\($0)", "confidence_\($0)"] })
            .map { prefix + $0 }
    }


    /// Why an input that already has `name` (a column or member the output adds) is refused.
    func collision(_ name: String, kind: String) -> String {
        "the input already has a \(kind) \"\(name)\", which the output would add again; "
            + "choose another name for the output with an output prefix (--output-prefix predicted_ "
            + "writes predicted_label, predicted_confidence)"
    }

    /// Labels row `row` and appends its output line, or reports why it cannot be labeled.
    func appendRow(_ row: Int, of view: BlockView, scratch: FeatureScratch, hypotheses: inout [LabelHypothesis],
                   into out: inout [UInt8]) -> RowOutcome {
        if format == .jsonl { return appendJSON(view.payload(row), scratch, &hypotheses, &out) }
        let text = String(decoding: UnsafeBufferPointer(rebasing: view.bytes[view.texts[row]]), as: UTF8.self)
        let (label, confidence) = classify(text, scratch, &hypotheses)
        var separator = UInt8(ascii: "\t")
        if format == .csv {
            separator = CSVBytes.comma
            var start = row == 0 ? 0 : view.rowEnds[row - 1]
            let first = row == 0 ? 0 : view.rowFieldEnds[row - 1]
            for f in first..<view.rowFieldEnds[row] {
                if f > first { out.append(CSVBytes.comma) }
                FastFormat.appendCSVField(UnsafeBufferPointer(rebasing: view.bytes[start..<view.fieldEnds[f]]), to: &out)
                start = view.fieldEnds[f]
            }
            out.append(separator)
        }
        out.append(contentsOf: encoded[label])
        out.append(separator)
        FastFormat.appendFixed4(confidence, to: &out)
        for rank in 0..<(topK ?? 0) {  // the ranked labels; empty cells when there are fewer (no features)
            out.append(separator)
            if rank < hypotheses.count { out.append(contentsOf: encoded[labelIndex[hypotheses[rank].label] ?? unknown]) }
            out.append(separator)
            if rank < hypotheses.count { FastFormat.appendFixed4(Float(hypotheses[rank].probability), to: &out) }
        }
        out.append(CSVBytes.lf)
        return label == unknown ? .abstained : .labeled
    }

    /// The routed label (`unknown` below the threshold or without features, by
    /// `Classifier.answer`'s rule) and the top probability; with `topK`, also the ranked
    /// hypotheses.
    @inline(__always)
    private func classify(_ text: String, _ scratch: FeatureScratch,
                          _ hypotheses: inout [LabelHypothesis]) -> (label: Int, confidence: Float) {
        let answer = classifier.answer(text, threshold: threshold, topK: topK ?? 0, scratch: scratch)
        if topK != nil { hypotheses = answer.ranked }
        return (answer.labelIndex ?? unknown, answer.confidence)
    }

    /// Parses a JSON Lines object, labels its text field and appends the object with `label`,
    /// `confidence` (and `top`) added, each after the output prefix. The original bytes are kept;
    /// an object that already has one of the added members is a bad row (never overwritten).
    private func appendJSON(_ line: UnsafeBufferPointer<UInt8>, _ scratch: FeatureScratch,
                            _ hypotheses: inout [LabelHypothesis], _ out: inout [UInt8]) -> RowOutcome {
        let data = Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: line.baseAddress!), count: line.count,
                        deallocator: .none)
        guard let parsed = try? JSONSerialization.jsonObject(with: data) else { return .problem("invalid JSON") }
        guard let object = parsed as? [String: Any] else { return .problem("not a JSON object") }
        guard let value = object[textField] else { return .problem("no \"\(textField)\" field") }
        guard let text = value as? String else { return .problem("field \"\(textField)\" is not a string") }
        // Empty or whitespace-only text has no features: it gets the unknown label.
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if let taken = jsonMembers.first(where: { object[$0] != nil }) { return .problem(collision(taken, kind: "member")) }
        let (label, confidence) = classify(trimmed, scratch, &hypotheses)
        if line.last != UInt8(ascii: "}") {
            let options: JSONSerialization.WritingOptions = [.sortedKeys, .withoutEscapingSlashes]
            guard let rewritten = try? JSONSerialization.data(withJSONObject: object, options: options) else {
                return .problem("cannot re-encode the object")
            }
            out.append(contentsOf: rewritten.dropLast())  // drop the closing brace
        } else {
            out.append(contentsOf: line.dropLast())
        }
        if !object.isEmpty { out.append(CSVBytes.comma) }
        out.append(contentsOf: memberKeys[0])
        out.append(contentsOf: encoded[label])
        out.append(CSVBytes.comma)
        out.append(contentsOf: memberKeys[1])
        FastFormat.appendFixed4(confidence, to: &out)
        if topK != nil {
            out.append(CSVBytes.comma)
            out.append(contentsOf: memberKeys[2])
            out.append(UInt8(ascii: "["))
            for (rank, h) in hypotheses.enumerated() {
                out.append(contentsOf: (rank == 0 ? #"{"label":"# : #",{"label":"#).utf8)
                out.append(contentsOf: encoded[labelIndex[h.label] ?? unknown])
                out.append(contentsOf: #","confidence":"#.utf8)
                FastFormat.appendFixed4(Float(h.probability), to: &out)
                out.append(UInt8(ascii: "}"))
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(contentsOf: "}\n".utf8)
        return label == unknown ? .abstained : .labeled
    }
}

// MARK: - Readers

/// Splits the input into records and hands them to the run as rows or problems. The run feeds
/// it windows that start and end at record boundaries (the last one may lack a line break).
protocol LabelInput: AnyObject {
    /// Line where the next record not yet consumed starts.
    var nextLine: Int { get }
    /// Scans bytes just read (following all bytes scanned before) and returns the offset, in
    /// them, just past the last complete record, or nil when no record ends there.
    func lastRecordEnd(in bytes: UnsafeBufferPointer<UInt8>) -> Int?
    /// Turns the complete records in `bytes` into rows of `run`.
    func consume(_ bytes: UnsafeBufferPointer<UInt8>, into run: LabelRun) throws
    /// Ends the input.
    func finish(into run: LabelRun) throws
}

/// Text and JSON Lines: a record is a line ending in LF (a CR before it is dropped).
final class LineInput: LabelInput {
    let json: Bool
    private var line = 0

    init(json: Bool) { self.json = json }

    var nextLine: Int { line + 1 }

    func lastRecordEnd(in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var i = bytes.count
        while i > 0 {
            i -= 1
            if bytes[i] == CSVBytes.lf { return i + 1 }
        }
        return nil
    }

    func consume(_ bytes: UnsafeBufferPointer<UInt8>, into run: LabelRun) throws {
        guard let base = bytes.baseAddress else { return }
        let valid = UTF8Validation.isValid(bytes)  // one pass for the whole window in the usual case
        var start = 0
        while start < bytes.count {
            let newline = memchr(base + start, Int32(CSVBytes.lf), bytes.count - start)
            let lineEnd = newline.map { UnsafeRawPointer($0) - UnsafeRawPointer(base) } ?? bytes.count
            var end = lineEnd
            if end > start && bytes[end - 1] == CSVBytes.cr { end -= 1 }
            line += 1
            var content = UnsafeBufferPointer(rebasing: bytes[start..<end])
            if line == 1 && content.starts(with: CSVBytes.byteOrderMark) {  // a UTF-8 BOM is not text
                content = UnsafeBufferPointer(rebasing: content[(content.startIndex + 3)...])
            }
            start = lineEnd + 1
            if !valid && !UTF8Validation.isValid(content) {
                try run.problem(line: line, "invalid UTF-8")
                // Text under .skip: the line is answered with the unknown label, so output line
                // N still answers input line N.
                if !json { try run.add { $0.append(line: line, payload: UnsafeBufferPointer(rebasing: content[0..<0]), text: 0..<0) } }
                continue
            }
            let text = CSVBytes.trimmedRange(content)
            // Blank lines: JSON Lines ignores them; text answers them with the unknown label.
            if text.isEmpty && json { continue }
            let payload = UnsafeBufferPointer(rebasing: content[text])
            try run.add { $0.append(line: line, payload: payload, text: json ? 0..<0 : 0..<payload.count) }
        }
    }

    func finish(into run: LabelRun) throws {}
}

/// CSV with a header row, parsed by `CSVParser`. Record boundaries for the reading windows are
/// found beforehand by quote parity (a line break ends a record when an even number of quotes
/// precede it), which agrees with the parser on every well-formed input. Under `--on-error skip`
/// the parser delivers a data record with invalid UTF-8 marked, and it is reported and left
/// out; in the header it is fatal. Malformed CSV (stray quotes, an unclosed quote) is always
/// fatal, since no boundary after it can be trusted.
final class CSVInput: LabelInput {
    let file: String
    let columns: [ColumnSelector]
    let policy: BadRowPolicy
    let writer: LabelWriter
    private var parser: CSVParser
    private var splitter = CSVRecordSplitter()
    /// Line at the last record end found (where the next window starts).
    private var boundaryLine = 1
    private var header: (row: CSVHeader, texts: [Int], name: String)?

    init(file: String, columns: [ColumnSelector], policy: BadRowPolicy, writer: LabelWriter) {
        self.file = file
        self.columns = columns
        self.policy = policy
        self.writer = writer
        parser = CSVParser(file: file)
        parser.deliversInvalidUTF8 = policy == .skip
    }

    var nextLine: Int { boundaryLine }

    func lastRecordEnd(in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var last: Int?, line = boundaryLine
        splitter.scan(bytes) { end, next in (last, line) = (end, next) }
        if last != nil { boundaryLine = line }
        return last
    }

    func consume(_ bytes: UnsafeBufferPointer<UInt8>, into run: LabelRun) throws {
        try feed(bytes, run)
    }

    func finish(into run: LabelRun) throws {
        try parser.finish { try self.add($0, run) }
        if header == nil { throw CSVError(file: file, line: 0, message: "empty file (no header row)") }
    }

    private func feed(_ bytes: UnsafeBufferPointer<UInt8>, _ run: LabelRun) throws {
        try parser.parse(UnsafeRawBufferPointer(bytes)) { try self.add($0, run) }
    }

    private func add(_ record: CSVRecord, _ run: LabelRun) throws {
        if let field = record.invalidUTF8Field {
            let message = CSVRecord.invalidUTF8Message(field: field)
            guard header != nil else { throw CSVError(file: file, line: record.line, message: message) }
            return try run.problem(line: record.line, message)
        }
        guard let header else { return try readHeader(record, run) }
        if let problem = header.row.widthProblem(record) { return try run.problem(line: record.line, problem) }
        // An empty text field has no features: the row gets the unknown label.
        guard header.texts.count > 1 else {
            let text = CSVBytes.trimmedRange(record.bytes(at: header.texts[0]))
            return try run.add { $0.append(record, textField: header.texts[0], text: text) }
        }
        var joined: [UInt8] = []
        for k in header.texts {
            let bytes = record.bytes(at: k)
            let range = CSVBytes.trimmedRange(bytes)
            if range.isEmpty { continue }
            if !joined.isEmpty { joined.append(CSVBytes.lf) }
            joined.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[range]))
        }
        try run.add { $0.append(record, joinedText: joined) }
    }

    /// Finds the text column and writes the output header: the input's, plus the new columns.
    private func readHeader(_ record: CSVRecord, _ run: LabelRun) throws {
        let row = CSVHeader(file: file, record: record)
        let names = row.names
        let indices = try columns.map { try row.index(of: $0) }
        if let taken = writer.csvColumns.first(where: names.contains) {
            throw CSVError(file: file, line: record.line, message: writer.collision(taken, kind: "column"))
        }
        header = (row, indices, indices.map { names[$0] }.joined(separator: ","))
        var out: [UInt8] = []
        for k in 0..<record.count {
            if k > 0 { out.append(CSVBytes.comma) }
            FastFormat.appendCSVField(record.bytes(at: k), to: &out)
        }
        for name in writer.csvColumns { out.append(CSVBytes.comma); out += FastFormat.csvField(name) }
        out.append(CSVBytes.lf)
        try run.writeHeader(out)
    }
}
