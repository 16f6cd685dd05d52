/// One parsed CSV record, handed to the callback of `CSVParser.parse`. Its field bytes point
/// into the parser's buffer, so a record is only valid inside that callback: copy out what you
/// need (for example with `string(at:)`) and do not let the record escape.
public struct CSVRecord {
    /// The 1-based physical line where the record starts.
    public let line: Int
    /// Unescaped bytes of all fields, back to back.
    private let bytes: UnsafeBufferPointer<UInt8>
    /// End offset in `bytes` of each field.
    private let ends: UnsafeBufferPointer<Int>
    /// Index of the first field that is not valid UTF-8. Always nil unless the parser's
    /// `deliversInvalidUTF8` is set (otherwise such a record ends the parse with an error).
    public let invalidUTF8Field: Int?

    init(line: Int, bytes: UnsafeBufferPointer<UInt8>, ends: UnsafeBufferPointer<Int>, invalidUTF8Field: Int? = nil) {
        self.line = line
        self.bytes = bytes
        self.ends = ends
        self.invalidUTF8Field = invalidUTF8Field
    }

    /// "invalid UTF-8 in field N" (1-based), the parser's message for such a record.
    public static func invalidUTF8Message(field: Int) -> String { "invalid UTF-8 in field \(field + 1)" }

    /// Number of fields (at least 1).
    public var count: Int { ends.count }

    /// Byte range of field `index` inside `allBytes`.
    public func range(at index: Int) -> Range<Int> {
        (index == 0 ? 0 : ends[index - 1])..<ends[index]
    }

    /// The unescaped bytes of all fields back to back; slice them with `range(at:)`.
    public var allBytes: UnsafeBufferPointer<UInt8> { bytes }

    /// The unescaped UTF-8 bytes of field `index` (valid UTF-8, checked by the parser, unless
    /// `invalidUTF8Field` says otherwise).
    public func bytes(at index: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[range(at: index)])
    }

    /// Field `index` as a String.
    public func string(at index: Int) -> String { CSVBytes.string(bytes, range(at: index)) }

    /// Every field as a String.
    public var strings: [String] { (0..<count).map { string(at: $0) } }
}

/// Unescaped bytes and field ends of the record being parsed. Storage only grows and is reused
/// for the next record, so memory stays at the longest record and steady-state parsing does
/// not allocate.
struct CSVRecordBuffer: Sendable {
    /// Field bytes back to back; only the first `byteCount` are in use.
    private var bytes: [UInt8] = []
    private(set) var byteCount = 0
    /// End offset of each finished field; only the first `fieldCount` are in use.
    private var ends: [Int] = []
    private(set) var fieldCount = 0
    private var fieldStart = 0

    var currentFieldLength: Int { byteCount - fieldStart }

    mutating func append(_ source: UnsafeBufferPointer<UInt8>) {
        guard let from = source.baseAddress else { return }
        if byteCount + source.count > bytes.count {
            // Doubling keeps appends amortized O(1).
            bytes.append(contentsOf: repeatElement(0, count: max(bytes.count, byteCount + source.count - bytes.count)))
        }
        let offset = byteCount
        bytes.withUnsafeMutableBufferPointer { to in
            (to.baseAddress! + offset).update(from: from, count: source.count)
        }
        byteCount += source.count
    }

    mutating func endField() {
        if fieldCount == ends.count { ends.append(byteCount) } else { ends[fieldCount] = byteCount }
        fieldCount += 1
        fieldStart = byteCount
    }

    mutating func clear() {
        byteCount = 0
        fieldCount = 0
        fieldStart = 0
    }

    /// Calls `body` with the record, its first invalid UTF-8 field found first and passed to
    /// `check`, which either throws or returns whether to deliver the record marked with it.
    func withRecord(line: Int, check: (Int) throws -> Void, _ body: (CSVRecord) throws -> Void) throws {
        try bytes.withUnsafeBufferPointer { bytes in
            try ends.withUnsafeBufferPointer { ends in
                let all = UnsafeBufferPointer(rebasing: bytes[..<byteCount])
                let fieldEnds = UnsafeBufferPointer(rebasing: ends[..<fieldCount])
                let invalid = CSVBytes.firstInvalidUTF8Field(all, ends: fieldEnds)
                if let invalid { try check(invalid) }
                try body(CSVRecord(line: line, bytes: all, ends: fieldEnds, invalidUTF8Field: invalid))
            }
        }
    }
}
