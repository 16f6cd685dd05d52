/// Finds CSV record ends by quote parity and counts physical lines like `CSVParser` (CR, LF
/// and CRLF each end one line).
package struct CSVRecordSplitter {
    package var inQuotes = false
    /// Line of the next byte.
    package var line = 1
    /// The byte before the next one (to pair a CR with an LF in the next chunk).
    package var previous: UInt8 = 0

    package init(line: Int = 1, previous: UInt8 = 0) {
        self.line = line
        self.previous = previous
    }

    /// Scans `bytes`, calling `recordEnd(offset just past the line break, line after it)` at
    /// every line break outside quotes.
    package mutating func scan(_ bytes: UnsafeBufferPointer<UInt8>, _ recordEnd: (Int, Int) -> Void) {
        var i = 0
        while true {
            // Stops at NUL, LF, CR and quote.
            i = CSVBytes.firstSpecial(bytes, from: i, quoted: true)
            guard i < bytes.count else { break }
            let byte = bytes[i]
            if byte == CSVBytes.quote {
                inQuotes.toggle()
            } else if byte == CSVBytes.cr || byte == CSVBytes.lf {
                if !(byte == CSVBytes.lf && (i > 0 ? bytes[i - 1] : previous) == CSVBytes.cr) { line += 1 }
                if !inQuotes { recordEnd(i + 1, line) }
            }
            i += 1
        }
        if let last = bytes.last { previous = last }
    }
}
