import Foundation
import Switchboard

/// Reference token ids (from Hugging Face `tokenizers`) to compare `BPETokenizer` against.
public enum TokenizerReference {
    /// One text and the ids the reference gives it.
    public struct Case: Sendable, Equatable {
        public var text: String
        public var ids: [Int]
    }

    /// A text whose ids differ from the reference.
    public struct Mismatch: Sendable, Equatable {
        public var text: String
        public var expected: [Int]
        public var actual: [Int]
    }

    /// Reads JSON Lines of `{"text": STRING, "ids": [INT]}`; blank lines are skipped.
    public static func load(path: String) throws(EmbeddingError) -> [Case] {
        let bytes = try EmbeddingImporter.readFile(path)
        var cases: [Case] = []
        for (number, line) in bytes.split(separator: UInt8(ascii: "\n")).enumerated() where !line.isEmpty {
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any],
                  let text = object["text"] as? String, let ids = object["ids"] as? [Int] else {
                throw .unreadable(path: path, reason: "line \(number + 1) is not {\"text\": ..., \"ids\": [...]}")
            }
            cases.append(Case(text: text, ids: ids))
        }
        return cases
    }

    /// The cases whose ids `tokenizer` does not reproduce exactly.
    public static func mismatches(_ tokenizer: BPETokenizer, _ cases: [Case]) -> [Mismatch] {
        let scratch = TokenizerScratch()
        return cases.compactMap { c in
            tokenizer.encode(c.text, into: scratch)
            let actual = scratch.tokenIDs.map { Int($0) }
            return actual == c.ids ? nil : Mismatch(text: c.text, expected: c.ids, actual: actual)
        }
    }
}
