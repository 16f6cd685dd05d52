/// The one JSON string escaper for hand-written JSON (the server's hot path and the batch
/// labeler's JSON Lines): quote, backslash and control characters escaped, everything else
/// copied byte for byte, so valid UTF-8 in gives valid JSON out.
package enum JSONText {
    /// Appends `value` as a quoted JSON string to `out`.
    /// - Complexity: O(n) in the UTF-8 length of `value`; allocates only when `out` grows.
    package static func append(_ value: String, to out: inout [UInt8]) {
        out.append(0x22)
        for byte in value.utf8 {
            switch byte {
            case 0x22: out.append(contentsOf: [0x5C, 0x22])
            case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, 0x6E])
            case 0x0D: out.append(contentsOf: [0x5C, 0x72])
            case 0x09: out.append(contentsOf: [0x5C, 0x74])
            case 0x00..<0x20:
                out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hexDigit(byte >> 4), hexDigit(byte & 0xF)])
            default: out.append(byte)
            }
        }
        out.append(0x22)
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? 0x30 + nibble : 0x61 + nibble - 10
    }
}
