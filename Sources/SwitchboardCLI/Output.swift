import SwitchboardData
import SwitchboardSupport
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A JSON value, printed with sorted object keys so that output is deterministic.
enum JSON: Equatable, Decodable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByBooleanLiteral {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSON])
    case object([String: JSON])

    init(stringLiteral value: String) { self = .string(value) }
    init(integerLiteral value: Int) { self = .int(Int64(value)) }
    init(booleanLiteral value: Bool) { self = .bool(value) }
    init(arrayLiteral elements: JSON...) { self = .array(elements) }
    init(dictionaryLiteral elements: (String, JSON)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }

    static func number(_ value: Int) -> JSON { .int(Int64(value)) }
    static func number(_ value: Double) -> JSON { .double(value) }
    /// A `Float` as the shortest decimal that reads back as it (0.9, not 0.8999999761581421).
    static func number(_ value: Float) -> JSON { .double(Double(value.description) ?? Double(value)) }

    /// Decodes any JSON text (used to embed a model's metadata).
    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int64.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSON].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSON].self)) }
    }

    /// Parses `text`, or nil when it is not JSON.
    static func parse(_ text: String) -> JSON? {
        try? JSONDecoder().decode(JSON.self, from: Data(text.utf8))
    }

    /// The JSON text: compact on one line, or indented by two spaces when `pretty`.
    func rendered(pretty: Bool = false) -> String {
        var out = ""
        write(to: &out, pretty: pretty, indent: "")
        return out
    }

    private func write(to out: inout String, pretty: Bool, indent: String) {
        let inner = indent + "  "
        let (open, comma, colon) = pretty ? ("\n" + inner, ",\n" + inner, ": ") : ("", ",", ":")
        let close = pretty ? "\n" + indent : ""
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += d.isFinite ? JSON.shortest(d) : "null"
        case .string(let s): JSON.escape(s, into: &out)
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            out += "[" + open
            for (i, item) in items.enumerated() {
                if i > 0 { out += comma }
                item.write(to: &out, pretty: pretty, indent: inner)
            }
            out += close + "]"
        case .object(let members):
            if members.isEmpty { out += "{}"; return }
            out += "{" + open
            for (i, key) in members.keys.sorted().enumerated() {
                if i > 0 { out += comma }
                JSON.escape(key, into: &out)
                out += colon
                members[key]!.write(to: &out, pretty: pretty, indent: inner)
            }
            out += close + "}"
        }
    }

    /// The shortest decimal for `d`. A double that is exactly a 32-bit float (the result of
    /// float arithmetic: a random double is one with odds of 2^-29) is printed as the float's
    /// shortest decimal when that is shorter: 0.01, not 0.009999999776482582.
    static func shortest(_ d: Double) -> String {
        let wide = "\(d)"
        guard Double(Float(d)) == d else { return wide }
        let narrow = Float(d).description
        return narrow.count < wide.count ? narrow : wide
    }

    /// Appends `s` as a quoted JSON string (the labeler's escaping, `FastFormat.jsonString`).
    private static func escape(_ s: String, into out: inout String) {
        out += String(decoding: FastFormat.jsonString(s), as: UTF8.self)
    }
}

/// Writing to stdout and stderr, and formatting for people.
enum Output {
    /// True when stderr is a terminal (progress is shown only then).
    static var stderrIsTerminal: Bool { isatty(2) != 0 }

    /// Prints `line` and a newline to stderr, unbuffered.
    static func standardError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Prints one JSON value on one line of stdout.
    static func printJSON(_ value: JSON) {
        // Every top-level object carries the vocabulary's version (see `JSONVocabulary`).
        assert({ if case .object(let m) = value { return m["schema"] != nil }; return true }(), "JSON without schema")
        print(value.rendered())
    }

    /// `value` with `digits` decimals, e.g. 0.9312.
    static func fixed(_ value: Double, _ digits: Int = 4) -> String {
        // Fast path for the common case (probabilities, accuracies): integer arithmetic.
        guard digits == 4, value >= 0, value < 1e9 else { return String(format: "%.\(digits)f", value) }
        var out: [UInt8] = []
        FastFormat.appendFixed4(value, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// A byte count for people: "1.2 MB" (decimal units) with the exact count for small sizes.
    static func bytes(_ count: Int) -> String {
        if count < 1000 { return "\(count) bytes" }
        let units = ["kB", "MB", "GB", "TB"]
        var value = Double(count) / 1000
        var unit = 0
        while value >= 1000 && unit < units.count - 1 { value /= 1000; unit += 1 }
        return String(format: "%.1f ", value) + "\(units[unit]) (\(count) bytes)"
    }

    /// Rows of cells as aligned columns separated by two spaces. Columns whose index is in
    /// `rightAligned` (numbers) are padded on the left. Widths count characters.
    static func table(_ rows: [[String]], rightAligned: Set<Int> = []) -> String {
        let columns = rows.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        return rows.map { row in
            row.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                if rightAligned.contains(i) { return pad + cell }
                return i == row.count - 1 ? cell : cell + pad
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// Size in bytes of the file at `path`.
    static func fileSize(_ path: String) throws -> Int {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw IOError("read", path: path, code: errno)
        }
        return Int(info.st_size)
    }
}

/// Collects stdout text and writes it in large chunks (many small `print`s are slow).
struct OutputBuffer {
    private var bytes: [UInt8] = []
    private let limit = 1 << 16

    /// Appends `line` and a newline; writes out when the buffer is full.
    mutating func line(_ line: String) throws {
        bytes.append(contentsOf: line.utf8)
        bytes.append(0x0A)
        if bytes.count >= limit { try flush() }
    }

    /// Writes everything buffered to stdout.
    mutating func flush() throws {
        try bytes.withUnsafeBytes { try SystemCalls.writeAll(1, $0, path: "standard output") }
        bytes.removeAll(keepingCapacity: true)
    }
}
