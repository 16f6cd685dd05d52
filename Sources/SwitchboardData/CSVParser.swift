/// An incremental RFC 4180 record parser: feed bytes in chunks of any size, get complete records
/// out. Memory is bounded by the longest record, not the input, so it can stream huge files.
///
/// Handles quoting (commas, doubled quotes and line breaks inside quoted fields), CRLF, lone CR
/// and LF line endings in any mix, a UTF-8 byte order mark at the very start, blank lines
/// (skipped) and a last record without a line break. Every error is a `CSVError` naming the
/// file and line. After an error, call `reset()` before parsing again.
public struct CSVParser: Sendable {
    /// File name used in errors.
    public let file: String
    /// Longest field accepted, in bytes after unescaping.
    public let maxFieldBytes: Int
    /// Most fields accepted in one record.
    public let maxFields: Int
    /// When true, a well-formed record with a field that is not valid UTF-8 is delivered with
    /// `CSVRecord.invalidUTF8Field` set, instead of ending the parse with an error: the caller
    /// decides (the batch labeler skips such rows under `--on-error skip`). Line counting is
    /// unaffected either way.
    public var deliversInvalidUTF8 = false

    private enum State: Sendable { case recordStart, fieldStart, unquoted, quoted, afterQuote }
    private var state = State.recordStart
    /// Physical line (1-based) of the next byte.
    private var line = 1
    private var recordLine = 1
    /// Line where the current quoted field opened, for "never closed" errors.
    private var quoteLine = 1
    /// Last byte of the previous chunk, to pair a CR at a chunk's end with the next chunk's LF.
    private var previousByte: UInt8 = 0
    /// Leading bytes held back while they could still be the start of a byte order mark.
    private var bomCandidate: [UInt8] = []
    private var bomResolved = false
    /// The record being parsed.
    private var record = CSVRecordBuffer()

    /// - Parameters:
    ///   - file: name used in errors.
    ///   - maxFieldBytes: longest field accepted; the 16 MiB default stops a missing closing
    ///     quote from swallowing a whole file into memory while allowing any realistic text.
    ///   - maxFields: most fields per record; 100,000 is far past any real table yet stops a
    ///     binary file full of commas.
    public init(file: String, maxFieldBytes: Int = 16 << 20, maxFields: Int = 100_000) {
        self.file = file
        self.maxFieldBytes = maxFieldBytes
        self.maxFields = maxFields
    }

    /// Forgets all state so the parser can start a new input.
    public mutating func reset() {
        let delivers = deliversInvalidUTF8
        self = CSVParser(file: file, maxFieldBytes: maxFieldBytes, maxFields: maxFields)
        deliversInvalidUTF8 = delivers
    }

    /// Parses the next chunk, calling `body` for every record completed inside it. A record
    /// split across chunks is delivered when its end arrives (or by `finish`).
    public mutating func parse(_ chunk: UnsafeRawBufferPointer, _ body: (CSVRecord) throws -> Void) throws {
        var input = chunk.assumingMemoryBound(to: UInt8.self)
        if !bomResolved {
            var used = 0
            while used < input.count, bomCandidate.count < 3,
                  input[used] == CSVBytes.byteOrderMark[bomCandidate.count] {
                bomCandidate.append(input[used])
                used += 1
            }
            if used == input.count && bomCandidate.count < 3 { return }  // still undecided
            try resolveByteOrderMark(body)
            input = UnsafeBufferPointer(rebasing: input[used...])
        }
        try scan(input, body)
    }

    /// Parses a whole array (or the next chunk of one).
    public mutating func parse(_ bytes: [UInt8], _ body: (CSVRecord) throws -> Void) throws {
        try bytes.withUnsafeBytes { try parse($0, body) }
    }

    /// Ends the input: delivers a last record that has no line break and reports an unclosed
    /// quote. The parser is then reset and can take a new input.
    public mutating func finish(_ body: (CSVRecord) throws -> Void) throws {
        try resolveByteOrderMark(body)
        switch state {
        case .recordStart: break
        case .fieldStart, .unquoted, .afterQuote: try endRecord(body)
        case .quoted: throw error(at: quoteLine, "quoted field is never closed (missing closing quote)")
        }
        reset()
    }

    /// Drops a complete byte order mark, or parses the held-back bytes as data.
    private mutating func resolveByteOrderMark(_ body: (CSVRecord) throws -> Void) throws {
        guard !bomResolved else { return }
        bomResolved = true
        let held = bomCandidate
        bomCandidate = []
        if held.count < 3 { try held.withUnsafeBufferPointer { try scan($0, body) } }
    }

    private mutating func scan(_ input: UnsafeBufferPointer<UInt8>, _ body: (CSVRecord) throws -> Void) throws {
        var i = 0
        while i < input.count {
            switch state {
            case .recordStart: i = startRecord(input, at: i)
            case .fieldStart: i = startField(input, at: i)
            case .unquoted: i = try scanUnquoted(input, from: i, body)
            case .quoted: i = try scanQuoted(input, from: i)
            case .afterQuote: i = try scanAfterQuote(input, at: i, body)
            }
        }
        if let last = input.last { previousByte = last }
    }

    /// Skips a blank line's break, or notes where a record starts.
    private mutating func startRecord(_ input: UnsafeBufferPointer<UInt8>, at i: Int) -> Int {
        let byte = input[i]
        guard byte == CSVBytes.lf || byte == CSVBytes.cr else {
            recordLine = line
            state = .fieldStart
            return i
        }
        if !isSecondHalfOfCRLF(input, at: i) { line += 1 }
        return i + 1
    }

    private mutating func startField(_ input: UnsafeBufferPointer<UInt8>, at i: Int) -> Int {
        guard input[i] == CSVBytes.quote else {
            state = .unquoted
            return i
        }
        quoteLine = line
        state = .quoted
        return i + 1
    }

    private mutating func scanUnquoted(_ input: UnsafeBufferPointer<UInt8>, from start: Int,
                                       _ body: (CSVRecord) throws -> Void) throws -> Int {
        var i = start
        while true {
            let end = CSVBytes.firstSpecial(input, from: i, quoted: false)
            try appendToField(input, i..<end)
            guard end < input.count else { return end }
            i = try endUnquoted(input[end], at: end, body)
            // Go straight on when the next field is unquoted too, rather than back through the
            // state dispatch: that indirect jump per field was the parser's hottest spot.
            guard i < input.count, continuesUnquoted(input[i]) else { return i }
            if state == .recordStart { recordLine = line }
            state = .unquoted
        }
    }

    /// After a comma or record end: whether `next` starts an unquoted field.
    private func continuesUnquoted(_ next: UInt8) -> Bool {
        next != CSVBytes.quote && (state != .recordStart || (next != CSVBytes.cr && next != CSVBytes.lf))
    }

    private mutating func endUnquoted(_ byte: UInt8, at i: Int, _ body: (CSVRecord) throws -> Void) throws -> Int {
        switch byte {
        case CSVBytes.comma: try endField()
        case CSVBytes.cr, CSVBytes.lf: try endRecord(body)
        case CSVBytes.quote:
            throw error(at: line, "quote character inside an unquoted field (quote the whole field and double inner quotes)")
        default: throw error(at: line, "NUL byte in field")
        }
        return i + 1
    }

    private mutating func scanQuoted(_ input: UnsafeBufferPointer<UInt8>, from start: Int) throws -> Int {
        var i = CSVBytes.firstSpecial(input, from: start, quoted: true)
        while i < input.count, input[i] != CSVBytes.quote {
            if input[i] == CSVBytes.nul {
                // The bytes before the NUL first, so that an over-long field is reported the same
                // way whether the input arrives whole or in chunks (found by fuzzing).
                try appendToField(input, start..<i)
                throw error(at: line, "NUL byte in field")
            }
            if !isSecondHalfOfCRLF(input, at: i) { line += 1 }  // a line break inside the field
            i = CSVBytes.firstSpecial(input, from: i + 1, quoted: true)
        }
        try appendToField(input, start..<i)
        guard i < input.count else { return i }
        state = .afterQuote
        return i + 1
    }

    /// After a quote inside a quoted field: a second quote is a literal quote, a comma or line
    /// break ends the field, anything else is an error.
    private mutating func scanAfterQuote(_ input: UnsafeBufferPointer<UInt8>, at i: Int,
                                         _ body: (CSVRecord) throws -> Void) throws -> Int {
        switch input[i] {
        case CSVBytes.quote:
            try appendToField(input, i..<(i + 1))
            state = .quoted
        case CSVBytes.comma: try endField()
        case CSVBytes.cr, CSVBytes.lf: try endRecord(body)
        default: throw error(at: line, "unexpected character after a closing quote (expected comma or line break)")
        }
        return i + 1
    }

    private func isSecondHalfOfCRLF(_ input: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
        input[i] == CSVBytes.lf && (i > 0 ? input[i - 1] : previousByte) == CSVBytes.cr
    }

    private mutating func appendToField(_ input: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) throws {
        guard !range.isEmpty else { return }
        if record.currentFieldLength + range.count > maxFieldBytes {
            throw error(at: recordLine, "field \(record.fieldCount + 1) is longer than \(maxFieldBytes) bytes")
        }
        record.append(UnsafeBufferPointer(rebasing: input[range]))
    }

    private mutating func endField() throws {
        record.endField()
        if record.fieldCount > maxFields { throw error(at: recordLine, "record has more than \(maxFields) fields") }
        state = .fieldStart
    }

    /// Ends the last field, checks UTF-8, delivers the record and clears the buffer.
    private mutating func endRecord(_ body: (CSVRecord) throws -> Void) throws {
        try endField()
        let line = recordLine
        let delivers = deliversInvalidUTF8
        try record.withRecord(line: line, check: { field in
            if !delivers { throw error(at: line, CSVRecord.invalidUTF8Message(field: field)) }
        }, body)
        record.clear()
        self.line += 1
        state = .recordStart
    }

    private func error(at line: Int, _ message: String) -> CSVError {
        CSVError(file: file, line: line, message: message)
    }
}
