/// The header row of a CSV file: its column names (trimmed) and the rules every reader of a
/// header applies, so that the trainer, the evaluator and the labeler find columns and report
/// ragged rows with the same words.
public struct CSVHeader: Sendable {
    /// File name used in errors.
    public let file: String
    /// The header's line.
    public let line: Int
    /// Column names, surrounding whitespace trimmed.
    public let names: [String]

    /// Reads the names of `record`, the header row of `file`.
    public init(file: String, record: CSVRecord) {
        self.file = file
        line = record.line
        names = (0..<record.count).map { k in
            let bytes = record.bytes(at: k)
            return CSVBytes.string(bytes, CSVBytes.trimmedRange(bytes))
        }
    }

    /// The index of `selector`'s column. Throws a `CSVError` at the header's line that lists the
    /// columns there are.
    public func index(of selector: ColumnSelector) throws -> Int {
        let found: Int? = switch selector {
        case .name(let name): names.firstIndex(of: name)
        case .index(let index): names.indices.contains(index) ? index : nil
        }
        if let found { return found }
        let list = names.map { "\"\($0)\"" }.joined(separator: ", ")
        let hint = names.count == 1 && names[0].contains("\t") ? " (the file looks tab-separated: convert it to CSV)" : ""
        throw CSVError(file: file, line: line,
                       message: "no column \(selector); the header's \(names.count) columns are: \(list)\(hint)")
    }

    /// "row has N fields but the header has M" for a data record of another width, else nil.
    public func widthProblem(_ record: CSVRecord) -> String? {
        record.count == names.count ? nil : "row has \(record.count) fields but the header has \(names.count)"
    }
}
