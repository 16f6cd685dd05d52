/// Well-formed UTF-8, checked over bytes: what the CSV reader, the batch labeler and the model
/// file's token list all accept, with the same answer as `String(validating:as:)` but without
/// building a string.
package enum UTF8Validation {
    /// True when `bytes` is well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF).
    package static func isValid(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let count = bytes.count
        // 8 bytes with no high bit set are all ASCII: skip them in one test.
        let asciiMask: UInt64 = 0x8080_8080_8080_8080
        var i = 0
        while i < count {
            if i + 8 <= count {
                let high = UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)) & asciiMask
                if high == 0 {
                    i += 8
                    continue
                }
                i += high.trailingZeroBitCount >> 3  // jump to the first non-ASCII byte
            } else if base[i] < 0x80 {
                i += 1
                continue
            }
            guard let width = sequenceWidth(base, at: i, count: count) else { return false }
            i += width
        }
        return true
    }

    /// Width of the well-formed multi-byte sequence at `i`, or nil (Unicode Table 3-7).
    @inline(__always)
    private static func sequenceWidth(_ p: UnsafePointer<UInt8>, at i: Int, count: Int) -> Int? {
        let width: Int
        // Allowed range of the second byte; later bytes are always 0x80...0xBF.
        var low: UInt8 = 0x80, high: UInt8 = 0xBF
        switch p[i] {
        case 0xC2...0xDF: width = 2
        case 0xE0: width = 3; low = 0xA0  // rejects overlong 3-byte forms
        case 0xED: width = 3; high = 0x9F  // rejects UTF-16 surrogates
        case 0xE1...0xEF: width = 3
        case 0xF0: width = 4; low = 0x90  // rejects overlong 4-byte forms
        case 0xF4: width = 4; high = 0x8F  // rejects values past U+10FFFF
        case 0xF1...0xF3: width = 4
        default: return nil
        }
        guard i + width <= count, (low...high).contains(p[i + 1]) else { return nil }
        for k in 2..<width where p[i + k] & 0xC0 != 0x80 { return nil }
        return width
    }
}
