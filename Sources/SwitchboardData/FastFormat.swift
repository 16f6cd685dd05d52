import SwitchboardSupport

/// Byte-level formatting for the batch labeler's output: numbers, CSV fields and JSON strings
/// appended straight to a reusable `[UInt8]`, with no `String` built per row. At ~3.5 µs per
/// prediction, `String` interpolation per row would cost as much as the prediction itself.
public enum FastFormat {
    /// Appends `value` with exactly four decimals: `0.9312`, `1.0000`. It scales by 10,000 and
    /// rounds half away from zero, like `switchboard predict`, so both print the same digits.
    /// Negative and NaN values print as `0.0000` (probabilities cannot be negative).
    @inline(__always)
    public static func appendFixed4(_ value: Float, to out: inout [UInt8]) {
        appendFixed4(Double(value), to: &out)
    }

    /// `appendFixed4` for a `Double` (accuracies and other figures computed in double precision).
    @inline(__always)
    public static func appendFixed4(_ value: Double, to out: inout [UInt8]) {
        let scaled = value * 10_000
        // Below 10 (scaled 100,000) the text is always "D.DDDD": build it in one 8-byte word.
        if scaled >= 99_999.5 { return appendLargeFixed4(scaled, to: &out) }  // NaN stays here, as 0
        let n = scaled >= 0 ? Int(scaled.rounded()) : 0
        let zero = UInt64(UInt8(ascii: "0"))
        var word = (zero + UInt64(n / 10_000)) | UInt64(UInt8(ascii: ".")) << 8
        word |= (zero + UInt64(n / 1000 % 10)) << 16 | (zero + UInt64(n / 100 % 10)) << 24
        word |= (zero + UInt64(n / 10 % 10)) << 32 | (zero + UInt64(n % 10)) << 40
        word = UInt64(littleEndian: word)
        withUnsafeBytes(of: &word) { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: $0[0..<6])) }
    }

    /// The rare values of 10 and more (never a probability): digits of the integer part first.
    private static func appendLargeFixed4(_ scaled: Double, to out: inout [UInt8]) {
        // Clamp far below Int.max so the conversion cannot trap on huge or infinite values.
        let n = Int(min(scaled, 1e17).rounded())
        out.append(contentsOf: String(n / 10_000).utf8)
        out.append(UInt8(ascii: "."))
        let fraction = String(n % 10_000)
        out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: 4 - fraction.utf8.count))
        out.append(contentsOf: fraction.utf8)
    }

    /// Appends one CSV field, quoted when it has to be (a comma,
    /// quote, CR or LF inside, a space or tab at either end, or a leading U+FEFF), with inner
    /// quotes doubled. `bytes` are the field's unescaped bytes.
    @inline(__always)
    public static func appendCSVField(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        guard needsCSVQuoting(bytes) else { return out.append(contentsOf: bytes) }
        out.append(CSVBytes.quote)
        var start = 0
        for i in bytes.indices where bytes[i] == CSVBytes.quote {
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...i]))
            out.append(CSVBytes.quote)
            start = i + 1
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
        out.append(CSVBytes.quote)
    }

    /// Appends one CSV record of `fields` and "\n". A lone empty field is written `""`, since an
    /// empty line is no record at all.
    public static func appendCSVRecord(_ fields: [String], to out: inout [UInt8]) {
        if fields == [""] { return out += [CSVBytes.quote, CSVBytes.quote, CSVBytes.lf] }
        for (i, field) in fields.enumerated() {
            if i > 0 { out.append(CSVBytes.comma) }
            out += csvField(field)
        }
        out.append(CSVBytes.lf)
    }

    /// `field` as a CSV field (quoted when needed).
    public static func csvField(_ field: String) -> [UInt8] {
        var out: [UInt8] = []
        var copy = field
        copy.withUTF8 { appendCSVField($0, to: &out) }
        return out
    }

    @inline(__always)
    static func needsCSVQuoting(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = bytes.first, let last = bytes.last else { return false }
        if first == CSVBytes.space || first == CSVBytes.tab || last == CSVBytes.space || last == CSVBytes.tab {
            return true
        }
        if first == CSVBytes.byteOrderMark[0] && bytes.starts(with: CSVBytes.byteOrderMark) { return true }
        // The parser's SWAR scan stops at NUL, LF, CR, quote and comma: any hit needs quotes.
        return CSVBytes.firstSpecial(bytes, from: 0, quoted: false) < bytes.count
    }

    /// `s` as a JSON string literal (quotes included): `"`, `\` and control characters escaped,
    /// everything else (including non-ASCII) copied as UTF-8.
    public static func jsonString(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count + 2)
        JSONText.append(s, to: &out)
        return out
    }
}
