/// A JSON string literal read from UTF-8 bytes (RFC 8259 §7), shared by the parsers that do not
/// go through `JSONDecoder`.
package enum JSONStringLiteral {
    /// The string whose opening quote is at `b[p]`, escapes decoded and the bytes otherwise kept as
    /// written (no normalization); `p` moves past the closing quote. Nil, with `p` anywhere, for
    /// no closing quote, an unescaped control character, an unknown escape, invalid UTF-8, a
    /// `\u` escape when `unicodeEscapes` is false, or one that names no scalar (a lone surrogate).
    /// A literal without escapes is validated in place, not copied first.
    package static func read(_ b: UnsafeBufferPointer<UInt8>, _ p: inout Int, unicodeEscapes: Bool = true) -> String? {
        guard p < b.count, b[p] == UInt8(ascii: "\"") else { return nil }
        let start = p + 1
        p = start
        while p < b.count, b[p] != UInt8(ascii: "\""), b[p] != UInt8(ascii: "\\"), b[p] >= 0x20 { p += 1 }
        guard p < b.count else { return nil }
        if b[p] == UInt8(ascii: "\"") {
            p += 1
            return String(validating: UnsafeBufferPointer(rebasing: b[start ..< p - 1]), as: UTF8.self)
        }
        var out = Array(b[start ..< p])
        while p < b.count {
            let c = b[p]
            p += 1
            if c == UInt8(ascii: "\"") { return String(validating: out, as: UTF8.self) }
            if c < 0x20 { return nil }
            if c != UInt8(ascii: "\\") { out.append(c); continue }
            guard p < b.count else { return nil }
            let e = b[p]
            p += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u") where unicodeEscapes:
                guard let scalar = unicodeEscape(b, &p) else { return nil }
                out.append(contentsOf: String(scalar).utf8)
            default: return nil
            }
        }
        return nil
    }

    /// The scalar of a `\u` escape whose four hex digits start at `b[p]`, joining a surrogate
    /// pair written as two escapes; `p` moves past what it read.
    static func unicodeEscape(_ b: UnsafeBufferPointer<UInt8>, _ p: inout Int) -> Unicode.Scalar? {
        guard var scalar = hex4(b, &p) else { return nil }
        if (0xD800 ..< 0xDC00).contains(scalar) {
            guard b.count - p >= 2, b[p] == UInt8(ascii: "\\"), b[p + 1] == UInt8(ascii: "u") else { return nil }
            p += 2
            guard let low = hex4(b, &p), (0xDC00 ..< 0xE000).contains(low) else { return nil }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        }
        return Unicode.Scalar(scalar)
    }

    static func hex4(_ b: UnsafeBufferPointer<UInt8>, _ p: inout Int) -> UInt32? {
        guard b.count - p >= 4, let v = UInt32(String(decoding: UnsafeBufferPointer(rebasing: b[p ..< p + 4]), as: UTF8.self), radix: 16)
        else { return nil }
        p += 4
        return v
    }
}
