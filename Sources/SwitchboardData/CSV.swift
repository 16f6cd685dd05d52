import Foundation

/// A CSV problem, always naming the file and the 1-based physical line where the record starts
/// (or where the problem is). Line 0 means the whole file (missing, unreadable, empty).
public struct CSVError: Error, Equatable, CustomStringConvertible {
    /// The file, as given by the caller.
    public let file: String
    /// 1-based physical line, or 0 for a problem with the whole file.
    public let line: Int
    /// What is wrong, without the file and line.
    public let message: String

    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    /// `FILE:LINE: MESSAGE`
    public var description: String { "\(file):\(line): \(message)" }
}

/// Selects a column by header name or 0-based index.
public enum ColumnSelector: Sendable, Equatable, CustomStringConvertible {
    case name(String)
    case index(Int)

    /// A command-line argument: all ASCII digits means an index, anything else a name.
    public init(_ argument: String) {
        let isDigits = !argument.utf8.isEmpty && argument.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
        if isDigits, let index = Int(argument) {
            self = .index(index)
        } else {
            self = .name(argument)
        }
    }

    /// `"text"` for a name, `#2` for an index.
    public var description: String {
        switch self {
        case .name(let name): return "\"\(name)\""
        case .index(let index): return "#\(index)"
        }
    }
}

/// A whole CSV file as strings: the header row, then the data rows.
public struct CSVTable: Sendable, Equatable {
    /// Fields of the first record.
    public var header: [String]
    /// Data rows, each with `header.count` fields.
    public var rows: [[String]]
    /// Physical line (1-based) where each row starts, parallel to `rows`.
    public var lines: [Int]

    public init(header: [String], rows: [[String]], lines: [Int]) {
        self.header = header
        self.rows = rows
        self.lines = lines
    }
}

/// Reading and writing RFC 4180 CSV.
public enum CSV {
    /// Reads a whole file (memory-mapped) and returns header + rows. Throws `CSVError` for a
    /// missing, unreadable or empty file, malformed CSV, or a row whose field count differs
    /// from the header's.
    public static func readTable(path: String) throws -> CSVTable {
        var builder = TableBuilder(file: path)
        try forEachRecord(path: path) { try builder.add($0) }
        return try builder.finish()
    }

    /// Parses an in-memory CSV; `file` names it in errors. Same rules as `readTable`.
    public static func parseTable(bytes: [UInt8], file: String) throws -> CSVTable {
        var builder = TableBuilder(file: file)
        var parser = CSVParser(file: file)
        try parser.parse(bytes) { try builder.add($0) }
        try parser.finish { try builder.add($0) }
        return try builder.finish()
    }

    /// Streams every record of a file through `body`. The file is memory-mapped, so resident
    /// memory stays small even for files far larger than RAM.
    public static func forEachRecord(path: String, _ body: (CSVRecord) throws -> Void) throws {
        let data = try mapFile(path: path)
        var parser = CSVParser(file: path)
        try data.withUnsafeBytes { try parser.parse($0, body) }
        try parser.finish(body)
    }

    /// The file's bytes, memory-mapped; errors are `CSVError`s at line 0.
    static func mapFile(path: String) throws -> Data {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CSVError(file: path, line: 0, message: "file not found")
        }
        if isDirectory.boolValue { throw CSVError(file: path, line: 0, message: "is a directory, not a CSV file") }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw CSVError(file: path, line: 0, message: "cannot read file: \(error.localizedDescription)")
        }
    }
}

/// Collects records into a `CSVTable`, checking that every row matches the header.
private struct TableBuilder {
    let file: String
    var header: [String]?
    var rows: [[String]] = []
    var lines: [Int] = []

    init(file: String) { self.file = file }

    mutating func add(_ record: CSVRecord) throws {
        guard let header else {
            self.header = record.strings
            return
        }
        if record.count != header.count {
            throw CSVError(file: file, line: record.line,
                           message: "row has \(record.count) fields but the header has \(header.count)")
        }
        rows.append(record.strings)
        lines.append(record.line)
    }

    func finish() throws -> CSVTable {
        guard let header else { throw CSVError(file: file, line: 0, message: "empty file (no header row)") }
        return CSVTable(header: header, rows: rows, lines: lines)
    }
}
