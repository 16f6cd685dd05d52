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
        var dataset = LabeledDataset(texts: [], labels: [], source: path)
        try CSVColumnReader.read(path: path, columns: [textColumn, labelColumn]) { reader, record in
            dataset.texts.append(try reader.field(record, column: 0))
            dataset.labels.append(try reader.field(record, column: 1))
            dataset.lines.append(record.line)
        }
        return dataset
    }

    /// Loads several files (same rules as `load(path:)`) and concatenates them in order.
    /// `lines` then refer to each example's own file; `source` joins the paths with ", ".
    /// An empty `paths` gives an empty dataset.
    public static func load(paths: [String], textColumn: ColumnSelector = .name("text"),
                            labelColumn: ColumnSelector = .name("label")) throws -> LabeledDataset {
        var all = LabeledDataset(texts: [], labels: [], source: paths.joined(separator: ", "))
        for path in paths {
            let part = try load(path: path, textColumn: textColumn, labelColumn: labelColumn)
            all.texts += part.texts
            all.labels += part.labels
            all.lines += part.lines
        }
        return all
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

    /// Streams the data rows of `path` through `body`; errors for an empty file, unknown
    /// columns, ragged rows (passed to `raggedRow` instead when given) and a header without rows.
    static func read(path: String, columns: [ColumnSelector], raggedRow: ((CSVError) throws -> Void)? = nil,
                     _ body: (CSVColumnReader, CSVRecord) throws -> Void) throws {
        var reader: CSVColumnReader?
        var rowCount = 0, headerLine = 0
        try CSV.forEachRecord(path: path) { record in
            guard let reader else {
                reader = try CSVColumnReader(file: path, header: record, columns: columns)
                headerLine = record.line
                return
            }
            if record.count != reader.header.count {
                let error = CSVError(file: path, line: record.line,
                                     message: "row has \(record.count) fields but the header has \(reader.header.count)")
                guard let raggedRow else { throw error }
                rowCount += 1
                return try raggedRow(error)
            }
            try body(reader, record)
            rowCount += 1
        }
        guard reader != nil else { throw CSVError(file: path, line: 0, message: "empty file (no header row)") }
        if rowCount == 0 { throw CSVError(file: path, line: headerLine, message: "no rows after the header") }
    }

    init(file: String, header record: CSVRecord, columns: [ColumnSelector]) throws {
        self.file = file
        let header = (0..<record.count).map { k in
            let bytes = record.bytes(at: k)
            return CSVBytes.string(bytes, CSVBytes.trimmedRange(bytes))
        }
        self.header = header
        indices = try columns.map { selector in
            if let index = Self.resolve(selector, in: header) { return index }
            let names = header.map { "\"\($0)\"" }.joined(separator: ", ")
            throw CSVError(file: file, line: record.line,
                           message: "no column \(selector); the header's \(header.count) columns are: \(names)")
        }
    }

    private static func resolve(_ selector: ColumnSelector, in header: [String]) -> Int? {
        switch selector {
        case .name(let name): return header.firstIndex(of: name)
        case .index(let index): return header.indices.contains(index) ? index : nil
        }
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
