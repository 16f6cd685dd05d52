import Foundation
import SwitchboardSupport

/// Hand-written JSON for the hot path: the answer without an explanation, and the request body
/// `{"text": ...}`. Same members, same sorted order as `ClassifyAPI.encode`, and the same parse
/// as the general path, whose messages bad bodies still get.
enum FastJSON {
    /// `result` as compact JSON with sorted keys; nil when it carries an explanation.
    static func encode(_ result: ClassifyResult, into out: inout [UInt8]) -> Bool {
        guard !result.explained else { return false }
        out.append(contentsOf: #"{"confidence":"#.utf8)
        if let c = result.confidence { number(c, into: &out) } else { out.append(contentsOf: "null".utf8) }
        out.append(contentsOf: #","label":"#.utf8)
        if let l = result.label { JSONText.append(l, to: &out) } else { out.append(contentsOf: "null".utf8) }
        out.append(contentsOf: #","routed":"#.utf8)
        JSONText.append(result.routed, to: &out)
        out.append(contentsOf: #","top":["#.utf8)
        for (i, ranked) in result.top.enumerated() {
            if i > 0 { out.append(0x2C) }
            out.append(contentsOf: #"{"label":"#.utf8)
            JSONText.append(ranked.label, to: &out)
            out.append(contentsOf: #","confidence":"#.utf8)
            number(ranked.confidence, into: &out)
            out.append(0x7D)
        }
        out.append(contentsOf: "]}".utf8)
        return true
    }

    /// A finite float in its shortest round-trip form (probabilities are never NaN or infinite).
    static func number(_ value: Float, into out: inout [UInt8]) {
        out.append(contentsOf: (value.isFinite ? value : 0).description.utf8)
    }

    private struct TextBody: Decodable { let text: String }
    private struct TextsBody: Decodable { let texts: [String] }

    /// The text of a well-formed `{"text": "..."}` body (already checked to be UTF-8); nil for
    /// anything else, which the general parser then explains.
    static func text(_ body: [UInt8]) -> String? {
        try? JSONDecoder().decode(TextBody.self, from: Data(body)).text
    }

    /// The texts of a well-formed `{"texts": [...]}` body; nil for anything else.
    static func texts(_ body: [UInt8]) -> [String]? {
        try? JSONDecoder().decode(TextsBody.self, from: Data(body)).texts
    }
}

/// The one body shape nearly every request has, `{"text": "..."}` with JSON whitespace anywhere
/// between tokens, read in one pass over the bytes. Validating the whole body, then
/// `JSONDecoder`, took about 9% of the server's CPU per request under load. Anything else
/// (another key, a `\u` escape, a control character, invalid UTF-8, trailing bytes) gives nil
/// and goes that general way, so a body read here gets exactly the text it would give.
enum TextScanner {
    /// The text of `body` when it is exactly that shape and its text is valid UTF-8 (the other
    /// bytes of that shape are ASCII).
    static func text(_ body: [UInt8]) -> String? {
        body.withUnsafeBufferPointer { b -> String? in
            var i = skipSpace(b, 0)
            guard i < b.count, b[i] == UInt8(ascii: "{") else { return nil }
            i = skipSpace(b, i + 1)
            guard key(b, &i) else { return nil }
            i = skipSpace(b, i)
            guard i < b.count, b[i] == UInt8(ascii: ":") else { return nil }
            i = skipSpace(b, i + 1)
            guard let text = JSONStringLiteral.read(b, &i, unicodeEscapes: false) else { return nil }
            i = skipSpace(b, i)
            guard i < b.count, b[i] == UInt8(ascii: "}") else { return nil }
            return skipSpace(b, i + 1) == b.count ? text : nil
        }
    }

    /// Whether the string at `i` is `"text"`, moving `i` past it.
    static func key(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int) -> Bool {
        let quoted: StaticString = "\"text\""
        guard b.count - i >= quoted.utf8CodeUnitCount else { return false }
        for k in 0 ..< quoted.utf8CodeUnitCount where b[i + k] != quoted.utf8Start[k] { return false }
        i += quoted.utf8CodeUnitCount
        return true
    }

    /// The first index at or after `i` that is not JSON whitespace.
    static func skipSpace(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        var i = i
        while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
        return i
    }
}
