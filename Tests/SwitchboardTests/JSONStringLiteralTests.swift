import Testing
import SwitchboardSupport

/// The JSON string-literal reader shared by the serve body scanner and the tokenizer importer.
@Suite struct JSONStringLiteralTests {
    private func read(_ text: [UInt8], unicodeEscapes: Bool = true) -> (String?, Int) {
        text.withUnsafeBufferPointer { b in
            var p = 0
            let s = JSONStringLiteral.read(b, &p, unicodeEscapes: unicodeEscapes)
            return (s, p)
        }
    }

    @Test func decodesEscapesAndStopsAfterTheQuote() {
        #expect(read(Array(#""plain é" rest"#.utf8)) == ("plain é", 10))  // é is two bytes
        #expect(read(Array(#""a\"b\\c\/d\b\f\n\r\t" x"#.utf8)).0 == "a\"b\\c/d\u{8}\u{C}\n\r\t")
        #expect(read(Array(#""\u00e9\ud83d\ude00""#.utf8)).0 == "é😀")
    }

    @Test func refusesWhatJSONForbids() {
        for bad in [#""\ud83d""#, #""\ude00x""#, #""\x""#, #""open"#, "\"a\u{1}\"", #""\u00e""#, "x"] {
            #expect(read(Array(bad.utf8)).0 == nil, "\(bad)")
        }
        #expect(read([0x22, 0xFF, 0x22]).0 == nil)                                // invalid UTF-8
        #expect(read(Array(#""\u00e9""#.utf8), unicodeEscapes: false).0 == nil)
    }
}
