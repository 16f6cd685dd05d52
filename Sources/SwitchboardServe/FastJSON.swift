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
