import Foundation
import Switchboard

/// A request the API refuses: the HTTP status and the message of `{"error": ...}`.
struct APIError: Error, Sendable {
    let status: Int
    let message: String

    static func badRequest(_ message: String) -> APIError { APIError(status: 400, message: message) }
}

/// One ranked label of a classify answer.
struct RankedLabel: Encodable, Sendable {
    let label: String
    let confidence: Float
}

/// The answer to one text: the most probable label, the routed answer, the top labels and,
/// when asked for, the explanation of the predicted label.
struct ClassifyResult: Encodable, Sendable {
    let label: String?
    let confidence: Float?
    let routed: String
    let top: [RankedLabel]
    let explanation: Explanation?
    let explained: Bool

    enum CodingKeys: String, CodingKey { case label, confidence, routed, top, explanation }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(label, forKey: .label)
        try c.encode(confidence, forKey: .confidence)
        try c.encode(routed, forKey: .routed)
        try c.encode(top, forKey: .top)
        if explained { try c.encode(explanation, forKey: .explanation) }
    }
}

/// Parsing and answering the classify endpoints, independent of the HTTP framework.
enum ClassifyAPI {
    /// Query options: `top_k` (1 by default) and `explain` (false by default).
    struct Options: Sendable {
        var topK = 1
        var explain = false
        /// Largest contributions listed in an explanation; the rest are summed.
        static let explanationTerms = 10
    }

    static func options(topK: String?, explain: String?) throws(APIError) -> Options {
        var o = Options()
        if let topK {
            guard let k = Int(topK), k >= 1, k <= 1000 else { throw .badRequest("top_k must be an integer from 1 to 1000") }
            o.topK = k
        }
        if let explain {
            switch explain {
            case "true", "1": o.explain = true
            case "false", "0": o.explain = false
            default: throw .badRequest("explain must be true or false")
            }
        }
        return o
    }

    /// The JSON object of a request body, after checking that the body is UTF-8.
    private static func object(_ body: [UInt8]) throws(APIError) -> [String: Any] {
        guard String(validating: body, as: UTF8.self) != nil else { throw .badRequest("the body is not valid UTF-8") }
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])
        } catch {
            throw .badRequest("the body is not valid JSON")
        }
        guard let object = parsed as? [String: Any] else { throw .badRequest("the body must be a JSON object") }
        return object
    }

    /// `{"text": "..."}` → the text.
    static func text(from body: [UInt8]) throws(APIError) -> String {
        if let text = TextScanner.text(body) { return text }
        if String(validating: body, as: UTF8.self) != nil, let text = FastJSON.text(body) { return text }
        let o = try object(body)
        guard let value = o["text"] else { throw .badRequest("missing \"text\"") }
        guard let text = value as? String, !(value is NSNumber) else { throw .badRequest("\"text\" must be a string") }
        return text
    }

    /// `{"texts": ["...", ...]}` → the texts, at most `maxBatch` (413 beyond).
    static func texts(from body: [UInt8], maxBatch: Int) throws(APIError) -> [String] {
        if String(validating: body, as: UTF8.self) != nil, let texts = FastJSON.texts(body), texts.count <= maxBatch {
            return texts
        }
        let o = try object(body)
        guard let value = o["texts"] else { throw .badRequest("missing \"texts\"") }
        guard let items = value as? [Any] else { throw .badRequest("\"texts\" must be an array of strings") }
        guard items.count <= maxBatch else {
            throw APIError(status: 413, message: "a batch holds at most \(maxBatch) texts, this one has \(items.count)")
        }
        var texts: [String] = []
        texts.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            guard let text = item as? String, !(item is NSNumber) else { throw .badRequest("texts[\(i)] must be a string") }
            texts.append(text)
        }
        return texts
    }

    /// The answer to `text`, computed exactly as `predict` computes it (same calls, same model).
    static func classify(_ text: String, with classifier: Classifier, options: Options, scratch: FeatureScratch) -> ClassifyResult {
        // `Classifier.answer`: the routing rule of `predict` and `label`.
        let answer = classifier.answer(text, topK: options.topK, scratch: scratch)
        let top = answer.ranked
        let routed = answer.labelIndex.map { classifier.labels[$0] } ?? classifier.calibration.unknownLabel
        var explanation: Explanation?
        if options.explain, let best = top.first {
            explanation = try? classifier.explanation(for: text, label: best.label).keepingTop(Options.explanationTerms)
        }
        return ClassifyResult(label: top.first?.label, confidence: top.first.map { Float($0.probability) }, routed: routed,
                              top: top.map { RankedLabel(label: $0.label, confidence: Float($0.probability)) },
                              explanation: explanation, explained: options.explain)
    }

    /// Compact JSON bytes of `value`.
    static func encode(_ value: any Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? Array(encoder.encode(value))) ?? Array(#"{"error":"cannot encode the answer"}"#.utf8)
    }

    /// The JSON of one answer.
    static func encode(_ result: ClassifyResult) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(96 + 64 * result.top.count)
        return FastJSON.encode(result, into: &out) ? out : encode(result as any Encodable)
    }

    /// `{"results": [...]}`.
    static func encode(results: [ClassifyResult]) -> [UInt8] {
        var out = Array(#"{"results":["#.utf8)
        out.reserveCapacity(16 + 128 * results.count)
        for (i, r) in results.enumerated() {
            if i > 0 { out.append(0x2C) }
            guard FastJSON.encode(r, into: &out) else { return encode(["results": results]) }
        }
        out.append(contentsOf: "]}".utf8)
        return out
    }

    /// `{"error": message}`.
    static func errorBody(_ message: String) -> [UInt8] { encode(["error": message]) }
}
