/// Labeled examples for training and evaluation.
public struct LabeledDataset: Sendable {
    /// Example texts, trimmed of surrounding whitespace.
    public var texts: [String]
    /// Label of each text, trimmed of surrounding whitespace.
    public var labels: [String]
    /// Physical line (1-based) of each example in its file; empty when not loaded from CSV.
    public var lines: [Int]
    /// Where the examples came from: a path, several joined with ", ", or "".
    public var source: String
    /// "FILE:LINE" of each row whose label had surrounding whitespace (removed when loading).
    public var paddedLabelLocations: [String] = []

    /// What joins the fields of several text columns: a line break, which the features treat
    /// as a word boundary (as a space).
    public static let textColumnSeparator = "\n"

    public init(texts: [String], labels: [String], lines: [Int] = [], source: String = "") {
        precondition(texts.count == labels.count, "texts and labels must be parallel")
        self.texts = texts
        self.labels = labels
        self.lines = lines
        self.source = source
    }

    /// Number of examples.
    public var count: Int { texts.count }

    /// Loads a CSV with a header row. Defaults: columns named "text" and "label". Texts and
    /// labels are trimmed of surrounding whitespace. Throws `CSVError` naming file and line for:
    /// a missing or unreadable file (line 0), an empty file, a header without rows, a missing
    /// column (the message lists the header's columns), a row with a different number of fields
    /// than the header, an empty text or label, and malformed CSV or invalid UTF-8.
    public static func load(path: String, textColumn: ColumnSelector = .name("text"),
                            labelColumn: ColumnSelector = .name("label")) throws -> LabeledDataset {
        try load(path: path, textColumns: [textColumn], labelColumn: labelColumn)
    }

    /// Loads a CSV whose text is the non-empty fields of `textColumns` (in that order) joined
    /// with `textColumnSeparator`; a row is empty when all of them are. Same errors as
    /// `load(path:)`, and a column given twice, or both as a text and the label column, is a
    /// `CSVError` at the header line.
    public static func load(path: String, textColumns: [ColumnSelector],
                            labelColumn: ColumnSelector = .name("label")) throws -> LabeledDataset {
        precondition(!textColumns.isEmpty, "at least one text column")
        var dataset = LabeledDataset(texts: [], labels: [], source: path)
        let label = textColumns.count
        try CSVColumnReader.read(path: path, columns: textColumns + [labelColumn]) { reader, record in
            if textColumns.count == 1 {
                dataset.texts.append(try reader.field(record, column: 0))
            } else {
                let parts = (0..<label).compactMap { reader.nonEmptyField(record, column: $0) }
                if parts.isEmpty { _ = try reader.field(record, column: 0) }  // throws: every text column is empty
                dataset.texts.append(parts.joined(separator: textColumnSeparator))
            }
            dataset.labels.append(try reader.field(record, column: label))
            if reader.isPadded(record, column: label) { dataset.paddedLabelLocations.append("\(reader.file):\(record.line)") }
            dataset.lines.append(record.line)
        }
        return dataset
    }

    /// Loads several files (same rules as `load(path:)`) and concatenates them in order.
    /// `lines` then refer to each example's own file; `source` joins the paths with ", ".
    /// An empty `paths` gives an empty dataset.
    public static func load(paths: [String], textColumn: ColumnSelector = .name("text"),
                            labelColumn: ColumnSelector = .name("label")) throws -> LabeledDataset {
        try load(paths: paths, textColumns: [textColumn], labelColumn: labelColumn)
    }

    /// Loads several files with several text columns (as `load(path:textColumns:labelColumn:)`)
    /// and concatenates them in order.
    public static func load(paths: [String], textColumns: [ColumnSelector],
                            labelColumn: ColumnSelector = .name("label")) throws -> LabeledDataset {
        var all = LabeledDataset(texts: [], labels: [], source: paths.joined(separator: ", "))
        for path in paths {
            let part = try load(path: path, textColumns: textColumns, labelColumn: labelColumn)
            all.texts += part.texts
            all.labels += part.labels
            all.lines += part.lines
            all.paddedLabelLocations += part.paddedLabelLocations
        }
        return all
    }

    /// Groups of distinct labels that differ only by letter case (e.g. "Billing" and
    /// "billing"): kept apart as different labels, which is rarely what was meant.
    public var labelsDifferingOnlyByCase: [[String]] {
        let groups = Dictionary(grouping: Set(labels), by: { $0.lowercased() })
        return groups.values.filter { $0.count > 1 }.map { $0.sorted() }.sorted { $0[0] < $1[0] }
    }

    /// Loads the text column of an unlabeled CSV with a header row (for batch prediction).
    /// Same errors as `load(path:)`, without the label column.
    public static func loadTexts(path: String, textColumn: ColumnSelector = .name("text")) throws
        -> (texts: [String], lines: [Int]) {
        var texts: [String] = [], lines: [Int] = []
        try CSVColumnReader.read(path: path, columns: [textColumn]) { reader, record in
            texts.append(try reader.field(record, column: 0))
            lines.append(record.line)
        }
        return (texts, lines)
    }
}

/// Reads selected columns of a CSV with a header, enforcing the dataset rules.
struct CSVColumnReader {
    let file: String
    let header: [String]
    /// Header index of each selected column.
    let indices: [Int]
    /// The header row.
    let columns: CSVHeader

    /// Streams the data rows of `path` through `body`; errors for an empty file, unknown
    /// columns, ragged rows (passed to `raggedRow` instead when given) and a header without rows.
    static func read(path: String, columns: [ColumnSelector], raggedRow: ((CSVError) throws -> Void)? = nil,
                     _ body: (CSVColumnReader, CSVRecord) throws -> Void) throws {
        let name = InputFile.displayName(path)
        var reader: CSVColumnReader?
        var rowCount = 0, headerLine = 0
        try CSV.forEachRecord(path: path) { record in
            guard let reader else {
                reader = try CSVColumnReader(file: name, header: record, columns: columns)
                headerLine = record.line
                return
            }
            if let problem = reader.columns.widthProblem(record) {
                let error = CSVError(file: name, line: record.line, message: problem)
                guard let raggedRow else { throw error }
                rowCount += 1
                return try raggedRow(error)
            }
            try body(reader, record)
            rowCount += 1
        }
        guard reader != nil else { throw CSVError(file: name, line: 0, message: "empty file (no header row)") }
        if rowCount == 0 { throw CSVError(file: name, line: headerLine, message: "no rows after the header") }
    }

    init(file: String, header record: CSVRecord, columns: [ColumnSelector]) throws {
        self.file = file
        self.columns = CSVHeader(file: file, record: record)
        let header = self.columns.names
        self.header = header
        let found = self.columns
        indices = try columns.map { try found.index(of: $0) }
        if let twice = indices.indices.first(where: { indices[..<$0].contains(indices[$0]) }) {
            let role = twice == indices.count - 1 && columns.count > 1 ? "the label column is also a text column" : "a column is selected twice"
            throw CSVError(file: file, line: record.line,
                           message: "\(role): \(columns[twice]) is column \(indices[twice]) (\"\(header[indices[twice]])\"); "
                               + "the text and the label must come from different columns")
        }
    }

    /// Selected column `column` of `record`, trimmed, or nil when it is empty.
    func nonEmptyField(_ record: CSVRecord, column: Int) -> String? {
        let bytes = record.bytes(at: indices[column])
        let range = CSVBytes.trimmedRange(bytes)
        return range.isEmpty ? nil : CSVBytes.string(bytes, range)
    }

    /// Whether selected column `column` of `record` has surrounding whitespace.
    func isPadded(_ record: CSVRecord, column: Int) -> Bool {
        let bytes = record.bytes(at: indices[column])
        return CSVBytes.trimmedRange(bytes).count != bytes.count
    }

    /// Selected column `column` of `record`, trimmed; throws when it is empty.
    func field(_ record: CSVRecord, column: Int) throws -> String {
        let bytes = record.bytes(at: indices[column])
        let range = CSVBytes.trimmedRange(bytes)
        if range.isEmpty {
            throw CSVError(file: file, line: record.line,
                           message: "empty \(header[indices[column]]) (column \(indices[column]))")
        }
        return CSVBytes.string(bytes, range)
    }
}
