import SwitchboardData

/// A whole CSV text as strings, for checking what the labeler wrote: the header, then the rows.
struct CSVTable: Equatable {
    var header: [String]
    var rows: [[String]]
}

/// Test-only CSV helpers built on the library's own parser and field writer.
enum TestCSV {
    /// Parses `bytes` with `CSVParser`; every row must have the header's field count.
    static func parseTable(bytes: [UInt8], file: String) throws -> CSVTable {
        // A record is a view into the parser's buffer, valid only inside the callback: copy it.
        var records: [(fields: [String], line: Int)] = []
        var parser = CSVParser(file: file)
        try parser.parse(bytes) { records.append(($0.strings, $0.line)) }
        try parser.finish { records.append(($0.strings, $0.line)) }
        guard let header = records.first?.fields else { throw CSVError(file: file, line: 0, message: "empty") }
        for record in records.dropFirst() where record.fields.count != header.count {
            throw CSVError(file: file, line: record.line, message: "row has \(record.fields.count) fields")
        }
        return CSVTable(header: header, rows: records.dropFirst().map(\.fields))
    }

    /// `field` as the labeler would write it (quoted only when needed).
    static func quote(_ field: String) -> String {
        String(decoding: FastFormat.csvField(field), as: UTF8.self)
    }

    /// Appends one record of `fields` and a newline.
    static func appendRecord(_ fields: [String], to out: inout [UInt8]) {
        FastFormat.appendCSVRecord(fields, to: &out)
    }
}
