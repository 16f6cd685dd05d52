import SwitchboardSupport

/// A small JSON parser whose objects keep every member in file order as (key, value) pairs.
///
/// Foundation's parsers hand objects back as dictionaries keyed by `String`, and Swift strings
/// compare by canonical equivalence: two vocabulary tokens that differ only in Unicode
/// normalization (precomposed "é" against "e" + U+0301) would collapse into one key. Token
/// vocabularies need every key exactly as written, so they are parsed here.
enum OrderedJSON: Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([OrderedJSON])
    case object([OrderedJSONMember])

    static func == (a: OrderedJSON, b: OrderedJSON) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case let (.bool(x), .bool(y)): x == y
        case let (.number(x), .number(y)): x == y
        case let (.string(x), .string(y)): Array(x.unicodeScalars) == Array(y.unicodeScalars)
        case let (.array(x), .array(y)): x == y
        case let (.object(x), .object(y)): x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: false
        }
    }

    /// The first member named `key` of an object (nil for other values).
    subscript(key: String) -> OrderedJSON? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    var string: String? { if case .string(let s) = self { s } else { nil } }
    var bool: Bool? { if case .bool(let b) = self { b } else { nil } }
    var isNull: Bool { self == .null }
    var array: [OrderedJSON]? { if case .array(let a) = self { a } else { nil } }
    /// The value as an integer, when it is a number with no fraction that fits an `Int`.
    var int: Int? {
        guard case .number(let d) = self, d.rounded() == d, abs(d) < 9e15 else { return nil }
        return Int(d)
    }

    /// Parses a complete JSON text; nil on any syntax error or nesting deeper than 64.
    static func parse(_ bytes: [UInt8]) -> OrderedJSON? {
        bytes.withUnsafeBufferPointer { b in
            var parser = Parser(b: b)
            guard let value = parser.value(depth: 0) else { return nil }
            parser.skipSpace()
            return parser.p == b.count ? value : nil
        }
    }

    struct Parser {
        let b: UnsafeBufferPointer<UInt8>
        var p = 0

        mutating func skipSpace() {
            while p < b.count, b[p] == 0x20 || b[p] == 0x0A || b[p] == 0x0D || b[p] == 0x09 { p += 1 }
        }

        mutating func literal(_ word: String, _ value: OrderedJSON) -> OrderedJSON? {
            let w = Array(word.utf8)
            guard b.count - p >= w.count, Array(b[p ..< p + w.count]) == w else { return nil }
            p += w.count
            return value
        }

        mutating func value(depth: Int) -> OrderedJSON? {
            skipSpace()
            guard p < b.count, depth < 64 else { return nil }
            switch b[p] {
            case UInt8(ascii: "{"): return object(depth: depth)
            case UInt8(ascii: "["): return array(depth: depth)
            case UInt8(ascii: "\""): return string().map(OrderedJSON.string)
            case UInt8(ascii: "t"): return literal("true", .bool(true))
            case UInt8(ascii: "f"): return literal("false", .bool(false))
            case UInt8(ascii: "n"): return literal("null", .null)
            default: return number()
            }
        }

        mutating func object(depth: Int) -> OrderedJSON? {
            p += 1
            var members: [OrderedJSONMember] = []
            skipSpace()
            if p < b.count, b[p] == UInt8(ascii: "}") { p += 1; return .object(members) }
            while true {
                skipSpace()
                guard p < b.count, b[p] == UInt8(ascii: "\""), let key = string() else { return nil }
                skipSpace()
                guard p < b.count, b[p] == UInt8(ascii: ":") else { return nil }
                p += 1
                guard let v = value(depth: depth + 1) else { return nil }
                members.append(OrderedJSONMember(key: key, value: v))
                skipSpace()
                guard p < b.count else { return nil }
                if b[p] == UInt8(ascii: ",") { p += 1; continue }
                if b[p] == UInt8(ascii: "}") { p += 1; return .object(members) }
                return nil
            }
        }

        mutating func array(depth: Int) -> OrderedJSON? {
            p += 1
            var items: [OrderedJSON] = []
            skipSpace()
            if p < b.count, b[p] == UInt8(ascii: "]") { p += 1; return .array(items) }
            while true {
                guard let v = value(depth: depth + 1) else { return nil }
                items.append(v)
                skipSpace()
                guard p < b.count else { return nil }
                if b[p] == UInt8(ascii: ",") { p += 1; continue }
                if b[p] == UInt8(ascii: "]") { p += 1; return .array(items) }
                return nil
            }
        }

        mutating func number() -> OrderedJSON? {
            let start = p
            while p < b.count, "+-.eE0123456789".utf8.contains(b[p]) { p += 1 }
            guard p > start, let d = Double(String(decoding: b[start ..< p], as: UTF8.self)) else { return nil }
            return .number(d)
        }

        /// A string literal starting at the opening quote; its bytes are kept as written
        /// (escapes decoded), so no normalization happens.
        mutating func string() -> String? { JSONStringLiteral.read(b, &p) }
    }
}

/// One member of a JSON object, as written. A named struct rather than a `(key:, value:)` tuple:
/// a tuple payload that refers back to the enum makes the compiler report a circular reference
/// in some build orders.
struct OrderedJSONMember {
    let key: String
    let value: OrderedJSON
}
