import SwitchboardSupport
import Testing

/// The byte validator the CSV reader, the batch labeler and the model file's token list share
/// must say exactly what the standard library's validating decoder says.
@Suite struct UTF8ValidationTests {
    private static func agrees(_ bytes: [UInt8]) -> Bool {
        let ours = bytes.withUnsafeBufferPointer { UTF8Validation.isValid($0) }
        return ours == (String(validating: bytes, as: UTF8.self) != nil)
    }

    @Test func edgesOfEveryRangeInTable3_7() {
        let cases: [[UInt8]] = [
            [], [0x00], [0x7F], [0x80], [0xBF], [0xC0, 0x80], [0xC1, 0xBF], [0xC2, 0x80], [0xDF, 0xBF], [0xC2],
            [0xE0, 0x9F, 0x80], [0xE0, 0xA0, 0x80], [0xE1, 0x80, 0x80], [0xEC, 0xBF, 0xBF], [0xED, 0x9F, 0xBF],
            [0xED, 0xA0, 0x80], [0xEE, 0x80, 0x80], [0xEF, 0xBF, 0xBF], [0xE2, 0x96], [0xE2, 0x96, 0x81],
            [0xF0, 0x8F, 0xBF, 0xBF], [0xF0, 0x90, 0x80, 0x80], [0xF3, 0xBF, 0xBF, 0xBF], [0xF4, 0x8F, 0xBF, 0xBF],
            [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xFF], [0xF0, 0x9F, 0x98], [0xE2, 0x28, 0xA1],
            Array("plain ascii, longer than one 8-byte word".utf8), Array("▁naïve café 日本語 🙂".utf8),
            Array("12345678".utf8) + [0xC3], Array("1234567".utf8) + [0xC3, 0xA9] + Array("89abcdef".utf8),
        ]
        for bytes in cases { #expect(Self.agrees(bytes), "\(bytes)") }
    }

    @Test func randomByteStringsAgree() {
        var random = SplitMix64(seed: 7)
        // Bytes drawn mostly from the interesting region (continuations and lead bytes), so a
        // good share of the strings is valid and a good share is not.
        let alphabet: [UInt8] = [0x41, 0x20, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC2, 0xDF, 0xE0, 0xE1, 0xED,
                                 0xEF, 0xF0, 0xF1, 0xF4, 0xF5, 0xC0, 0xFF]
        var valid = 0
        for _ in 0 ..< 20_000 {
            let count = Int(random.next() % 12)
            let bytes = (0 ..< count).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }
            #expect(Self.agrees(bytes), "\(bytes)")
            if String(validating: bytes, as: UTF8.self) != nil { valid += 1 }
        }
        #expect(valid > 1_000 && valid < 19_000)
    }
}
