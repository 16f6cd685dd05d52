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
    public static func load(paths: [String], textColumns: [ColumnSelector] = [.name("text")],
                            labelColumn: ColumnSelector = .name("label"), skipBadRows: Bool,
                            hasContent: (String) -> Bool = { _ in true }) throws -> LoadedDataset {
        precondition(!textColumns.isEmpty, "at least one text column")
        let labelIndex = textColumns.count
        var result = LoadedDataset(dataset: LabeledDataset(texts: [], labels: [], source: paths.joined(separator: ", ")),
                                   emptyText: [], badRows: [])
        for path in paths {
            try CSVColumnReader.read(path: path, columns: textColumns + [labelColumn], raggedRow: { error in
                guard skipBadRows else { throw error }
                result.badRows.append(error)
            }) { reader, record in
                let label: String
                do {
                    label = try reader.field(record, column: labelIndex)
                } catch let error as CSVError where skipBadRows {
                    return result.badRows.append(error)
                }
                let text = (0..<textColumns.count).compactMap { reader.nonEmptyField(record, column: $0) }
                    .joined(separator: textColumnSeparator)
                guard !text.isEmpty, hasContent(text) else {
                    return result.emptyText.append(CSVError(file: reader.file, line: record.line, message: "empty text"))
                }
                result.dataset.texts.append(text)
                if reader.isPadded(record, column: textColumns.count) {
                    result.dataset.paddedLabelLocations.append("\(reader.file):\(record.line)")
                }
                result.dataset.labels.append(label)
                result.dataset.lines.append(record.line)
            }
        }
        return result
    }
}
