/// A labeled dataset and the rows loading it left out.
public struct LoadedDataset: Sendable {
    /// The rows kept.
    public var dataset: LabeledDataset
    /// Rows whose text is empty (after trimming, or with no content by the caller's test):
    /// always left out, since they carry nothing to learn from.
    public var emptyText: [CSVError]
    /// Bad rows left out when `skipBadRows` (a field count other than the header's, an empty
    /// label), in file order.
    public var badRows: [CSVError]
}

extension LabeledDataset {
    /// Loads `paths` like `load(paths:textColumns:labelColumn:)` (several text columns joined), but leaves out rows whose text
    /// is empty or fails `hasContent` (e.g. nothing left after normalization), and, when
    /// `skipBadRows`, rows with a wrong field count or an empty label, reporting each by file
    /// and line. Without `skipBadRows` a bad row throws its `CSVError`. Malformed CSV, invalid
    /// UTF-8, a missing column and an empty file always throw.
    ///
    /// `hasContent` gets each file's non-empty texts at once, in file order, and returns one
    /// verdict per text: a caller whose test is costly (featurizing every row) can spread it
    /// over threads.
    public static func load(paths: [String], textColumns: [ColumnSelector] = [.name("text")],
                            labelColumn: ColumnSelector = .name("label"), skipBadRows: Bool,
                            hasContent: ([String]) -> [Bool] = { [Bool](repeating: true, count: $0.count) }) throws -> LoadedDataset {
        precondition(!textColumns.isEmpty, "at least one text column")
        var result = LoadedDataset(dataset: LabeledDataset(texts: [], labels: [], source: paths.joined(separator: ", ")),
                                   emptyText: [], badRows: [])
        for path in paths {
            let file = try FileRows.read(path: path, textColumns: textColumns, labelColumn: labelColumn,
                                         skipBadRows: skipBadRows, badRows: &result.badRows)
            let verdicts = hasContent(file.rows.texts)
            precondition(verdicts.count == file.rows.count, "one verdict per text")
            var empty = file.emptyLines
            if result.dataset.texts.isEmpty && !verdicts.contains(false) { // the usual case: keep the arrays whole
                result.dataset.texts = file.rows.texts
                result.dataset.labels = file.rows.labels
                result.dataset.lines = file.rows.lines
                result.dataset.paddedLabelLocations = file.padded.sorted().map { "\(file.name):\(file.rows.lines[$0])" }
            } else {
                for i in 0 ..< file.rows.count {
                    guard verdicts[i] else { empty.append(file.rows.lines[i]); continue }
                    result.dataset.texts.append(file.rows.texts[i])
                    result.dataset.labels.append(file.rows.labels[i])
                    result.dataset.lines.append(file.rows.lines[i])
                    if file.padded.contains(i) { result.dataset.paddedLabelLocations.append("\(file.name):\(file.rows.lines[i])") }
                }
            }
            result.emptyText += empty.sorted().map { CSVError(file: file.name, line: $0, message: "empty text") }
        }
        return result
    }
}

/// One file's rows with a non-empty text, before the caller's content test.
private struct FileRows {
    /// The file's name as errors show it.
    var name = ""
    var rows = LabeledDataset(texts: [], labels: [])
    /// Lines whose (joined) text is empty.
    var emptyLines: [Int] = []
    /// Indices into `rows` whose label had surrounding whitespace.
    var padded: Set<Int> = []

    static func read(path: String, textColumns: [ColumnSelector], labelColumn: ColumnSelector, skipBadRows: Bool,
                     badRows: inout [CSVError]) throws -> FileRows {
        let labelIndex = textColumns.count
        var file = FileRows()
        var bad: [CSVError] = []
        try CSVColumnReader.read(path: path, columns: textColumns + [labelColumn], raggedRow: { error in
            guard skipBadRows else { throw error }
            bad.append(error)
        }) { reader, record in
            file.name = reader.file
            let label: String
            do {
                label = try reader.field(record, column: labelIndex)
            } catch let error as CSVError where skipBadRows {
                return bad.append(error)
            }
            let text = (0..<textColumns.count).compactMap { reader.nonEmptyField(record, column: $0) }
                .joined(separator: LabeledDataset.textColumnSeparator)
            guard !text.isEmpty else { return file.emptyLines.append(record.line) }
            if reader.isPadded(record, column: textColumns.count) { file.padded.insert(file.rows.count) }
            file.rows.texts.append(text)
            file.rows.labels.append(label)
            file.rows.lines.append(record.line)
        }
        badRows += bad
        return file
    }
}
