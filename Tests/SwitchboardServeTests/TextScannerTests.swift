import Foundation
import Testing
@testable import SwitchboardServe
import SwitchboardSupport

/// The hand-written `{"text": ...}` reader against `JSONDecoder`, which it stands in for.
@Suite struct TextScannerTests {
    private struct Body: Decodable { let text: String }

    /// What the general path makes of `body`: the text when the body is UTF-8 and decodes.
    private func decoded(_ body: [UInt8]) -> String? {
        guard String(validating: body, as: UTF8.self) != nil else { return nil }
        return try? JSONDecoder().decode(Body.self, from: Data(body)).text
    }

    @Test func readsTheCommonShapes() {
        let cases: [(String, String)] = [
            (#"{"text":"hello"}"#, "hello"),
            (" \n{ \"text\" :\t\"héllo 日本 🙂\" }\r\n", "héllo 日本 🙂"),
            (#"{"text":""}"#, ""),
            (#"{"text":"a\"b\\c\/d\b\f\n\r\t"}"#, "a\"b\\c/d\u{8}\u{C}\n\r\t"),
        ]
        for (body, text) in cases {
            #expect(TextScanner.text(Array(body.utf8)) == text, "\(body)")
            #expect(decoded(Array(body.utf8)) == text, "\(body)")
        }
    }

    @Test func leavesEverythingElseToTheGeneralParser() {
        let texts: [String] = [
            #"{"text":"\u00e9"}"#, #"{"text":"a","x":1}"#, #"{"x":1,"text":"a"}"#, #"{"text":1}"#, #"{"text":null}"#,
            #"{"text":"a"} x"#, #"{"text":"a""#, #"{"text":"a}"#, #"{"texts":["a"]}"#, #"{"tex":"a"}"#, #"["text"]"#,
            #"{"text":"a\x"}"#, "{\"text\":\"a\u{1}b\"}", "", "{", #"{"text""#, #"{"text":}"#,
        ]
        var bodies: [[UInt8]] = texts.map { Array($0.utf8) }
        let open = Array(#"{"text":""#.utf8), close = Array(#""}"#.utf8)
        bodies.append(open + [0xFF, 0xFE] + close)                               // invalid UTF-8
        bodies.append(Array(#"{"text":"a\n"#.utf8) + [0xC3] + close)            // a cut sequence after an escape
        bodies.append([0xEF, 0xBB, 0xBF] + Array(#"{"text":"a"}"#.utf8))         // a byte-order mark
        for body in bodies {
            #expect(TextScanner.text(body) == nil, "\(String(decoding: body, as: UTF8.self))")
        }
    }

    /// Random texts, escaped and spaced at random: whatever the scanner reads, `JSONDecoder` reads
    /// the same, and the scanner reads every body without `\u` escapes or stray bytes.
    @Test func agreesWithJSONDecoderOnRandomBodies() {
        var rng = SplitMix64(seed: 20261206)
        let pieces = ["a", "Z", " ", "é", "日", "🙂", "\"", "\\", "/", "\n", "\t", "\u{8}", "\u{1}", "\u{7F}", "<"]
        var read = 0, expectedReads = 0
        for _ in 0 ..< 2_000 {
            let text = (0 ..< Int.random(in: 0 ... 12, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
            let (escaped, clean) = escape(text, using: &rng)
            let spaces = [" ", "", "\n", "\t ", "\r\n"]
            let s = { spaces.randomElement(using: &rng)! }
            let body = Array("\(s()){\(s())\"text\"\(s()):\(s())\"\(escaped)\"\(s())}\(s())".utf8)
            let scanned = TextScanner.text(body)
            if clean { expectedReads += 1 }
            if let scanned {
                read += 1
                #expect(scanned == text)
                #expect(decoded(body) == scanned, "\(String(decoding: body, as: UTF8.self))")
            }
        }
        #expect(read == expectedReads)
    }

    /// `text` as a JSON string body, escaping some characters at random in the ways JSON allows;
    /// `clean` is false when a `\u` escape was used (which the scanner leaves to the decoder).
    private func escape(_ text: String, using rng: inout SplitMix64) -> (String, clean: Bool) {
        var out = "", clean = true
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\u{8}": out += "\\b"
            case "\u{1}": out += "\\u0001"; clean = false
            case "/" where Bool.random(using: &rng): out += "\\/"
            case "é" where Int.random(in: 0 ..< 4, using: &rng) == 0: out += "\\u00e9"; clean = false
            default: out.unicodeScalars.append(scalar)
            }
        }
        return (out, clean)
    }
}
