import SwitchboardSupport

/// Byte-level helpers shared by the CSV reader, writer and dataset loader. Everything works on
/// UTF-8 bytes: Character-level String APIs are 25-50x slower on large files.
package enum CSVBytes {
    package static var comma: UInt8 { 0x2C }
    package static var quote: UInt8 { 0x22 }
    package static var cr: UInt8 { 0x0D }
    package static var lf: UInt8 { 0x0A }
    package static var nul: UInt8 { 0x00 }
    package static var space: UInt8 { 0x20 }
    package static var tab: UInt8 { 0x09 }
    /// The UTF-8 encoding of U+FEFF, which some editors put at the start of a file.
    package static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// Index of the first byte at or after `start` that a field scan must stop at, or
    /// `bytes.count`: NUL, LF, CR, quote, and (outside quotes) comma.
    @inline(__always)
    package static func firstSpecial(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, quoted: Bool) -> Int {
        guard let base = bytes.baseAddress else { return start }
        let count = bytes.count
        // Inside quotes a comma is ordinary: test the quote twice instead.
        let fifth = quoted ? quote : comma
        var i = start
        // 8 bytes per test (SWAR on a UInt64; Swift's SIMD masks compile to slow scalar code).
        while i + 8 <= count {
            let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            let hits = zeroBytes(word) | zeroBytes(word ^ broadcast(lf)) | zeroBytes(word ^ broadcast(cr))
                | zeroBytes(word ^ broadcast(quote)) | zeroBytes(word ^ broadcast(fifth))
            if hits != 0 { break }
            i += 8
        }
        while i < count {
            let byte = base[i]
            if byte == nul || byte == lf || byte == cr || byte == quote || byte == fifth { return i }
            i += 1
        }
        return count
    }

    /// `byte` in each of the 8 bytes of a word.
    @inline(__always)
    private static func broadcast(_ byte: UInt8) -> UInt64 { UInt64(byte) &* 0x0101_0101_0101_0101 }

    /// Nonzero exactly when some byte of `word` is zero (the classic "haszero" bit trick: the
    /// lowest zero byte borrows to 0xFF, setting a high bit that `& ~word` keeps because the
    /// byte's own high bit was clear).
    @inline(__always)
    private static func zeroBytes(_ word: UInt64) -> UInt64 {
        (word &- 0x0101_0101_0101_0101) & ~word & 0x8080_8080_8080_8080
    }

    /// Index of the first field (delimited by `ends`) that is not valid UTF-8, or nil.
    package static func firstInvalidUTF8Field(_ bytes: UnsafeBufferPointer<UInt8>, ends: UnsafeBufferPointer<Int>) -> Int? {
        // Fast path: the fields are all valid when their concatenation is and no field
        // starts with a continuation byte (which would mean a sequence split across fields).
        if UTF8Validation.isValid(bytes) && ends.dropLast().allSatisfy({ $0 == bytes.count || bytes[$0] & 0xC0 != 0x80 }) {
            return nil
        }
        var start = 0
        for (index, end) in ends.enumerated() {
            if !UTF8Validation.isValid(UnsafeBufferPointer(rebasing: bytes[start..<end])) { return index }
            start = end
        }
        return nil
    }

    /// The range of `bytes` (valid UTF-8) without leading and trailing Unicode whitespace.
    package static func trimmedRange(_ bytes: UnsafeBufferPointer<UInt8>) -> Range<Int> {
        var low = 0, high = bytes.count
        while low < high, let width = whitespaceWidth(bytes, at: low) { low += width }
        while high > low {
            var lead = high - 1
            while lead > low, bytes[lead] & 0xC0 == 0x80 { lead -= 1 }  // back up over continuation bytes
            guard whitespaceWidth(bytes, at: lead) != nil else { break }
            high = lead
        }
        return low..<high
    }

    /// Width of the scalar at `i` when it is whitespace, else nil. `bytes` must be valid UTF-8.
    private static func whitespaceWidth(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> Int? {
        let lead = bytes[i]
        if lead < 0x80 {
            // ASCII whitespace: tab, LF, VT, FF, CR and space.
            return (lead >= 0x09 && lead <= 0x0D) || lead == space ? 1 : nil
        }
        let width = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2
        // Payload bits of the lead byte: 5 for 2-byte, 4 for 3-byte, 3 for 4-byte sequences.
        var value = UInt32(lead) & (0xFF >> (width + 1))
        for k in 1..<width { value = value << 6 | UInt32(bytes[i + k] & 0x3F) }
        guard let scalar = Unicode.Scalar(value), scalar.properties.isWhitespace else { return nil }
        return width
    }

    /// A String from bytes already known to be valid UTF-8.
    @inline(__always)
    package static func string(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }
}
