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

    init(line: Int, bytes: UnsafeBufferPointer<UInt8>, ends: UnsafeBufferPointer<Int>) {
        self.line = line
        self.bytes = bytes
        self.ends = ends
    }

    /// Number of fields (at least 1).
    public var count: Int { ends.count }

    /// Byte range of field `index` inside `allBytes`.
    public func range(at index: Int) -> Range<Int> {
        (index == 0 ? 0 : ends[index - 1])..<ends[index]
    }

    /// The unescaped bytes of all fields back to back; slice them with `range(at:)`.
    public var allBytes: UnsafeBufferPointer<UInt8> { bytes }

    /// The unescaped UTF-8 bytes of field `index` (valid UTF-8, checked by the parser).
    public func bytes(at index: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[range(at: index)])
    }

    /// Index of the first field that is not valid UTF-8, or nil.
    func firstInvalidUTF8Field() -> Int? { CSVBytes.firstInvalidUTF8Field(bytes, ends: ends) }

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

    func withRecord(line: Int, _ body: (CSVRecord) throws -> Void) rethrows {
        try bytes.withUnsafeBufferPointer { bytes in
            try ends.withUnsafeBufferPointer { ends in
                try body(CSVRecord(line: line, bytes: UnsafeBufferPointer(rebasing: bytes[..<byteCount]),
                                   ends: UnsafeBufferPointer(rebasing: ends[..<fieldCount])))
            }
        }
    }
}
