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

/// Reading RFC 4180 CSV files.
public enum CSV {
    /// Streams every record of a file through `body`. The file is memory-mapped, so resident
    /// memory stays small even for files far larger than RAM.
    public static func forEachRecord(path: String, _ body: (CSVRecord) throws -> Void) throws {
        let data = try mapFile(path: path)
        var parser = CSVParser(file: InputFile.displayName(path))
        try data.withUnsafeBytes { try parser.parse($0, body) }
        try parser.finish(body)
    }

    /// The file's bytes (`InputFile.read`: memory-mapped, or read to the end from standard
    /// input, a pipe or a device); errors are `CSVError`s.
    static func mapFile(path: String) throws -> Data {
        try InputFile.read(path: path)
    }
}
