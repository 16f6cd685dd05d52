import Switchboard

/// Reads a Hugging Face `tokenizers` JSON file of the kind `BPETokenizer` implements, and
/// refuses any other: BPE with byte fallback, no dropout, no subword prefix or suffix, merges
/// not ignored, no pre-tokenizer, and the normalizer Prepend("▁") then Replace(" ", "▁").
///
/// Tokens are compared by their UTF-8 bytes, never as `String` keys (which would merge tokens
/// that differ only in Unicode normalization).
enum TokenizerJSON {
    /// The vocabulary (index = id), merges as id pairs in rank order, and the special token ids.
    static func read(_ bytes: [UInt8]) throws(EmbeddingError)
        -> (tokens: [String], merges: [(left: UInt32, right: UInt32)], specialIDs: [UInt32]) {
        guard let root = OrderedJSON.parse(bytes), let model = root["model"] else {
            throw .badTokenizer(reason: "not JSON, or no \"model\" object")
        }
        try checkSupported(root, model)
        guard case .object(let vocab)? = model["vocab"], !vocab.isEmpty,
              vocab.count <= BPETokenizer.maximumVocabularySize else { throw .badTokenizer(reason: "bad \"vocab\"") }
        var tokens = [String?](repeating: nil, count: vocab.count)
        var idOf: [[UInt8]: Int] = [:]
        for member in vocab {
            let token = member.key
            guard let id = member.value.int, id >= 0, id < vocab.count, tokens[id] == nil,
                  idOf.updateValue(id, forKey: Array(token.utf8)) == nil else {
                throw .badTokenizer(reason: "vocabulary ids are not 0..<\(vocab.count), one per distinct token")
            }
            tokens[id] = token
        }
        guard let rawMerges = model["merges"]?.array else { throw .badTokenizer(reason: "no \"merges\" list") }
        var merges: [(left: UInt32, right: UInt32)] = []
        merges.reserveCapacity(rawMerges.count)
        for (index, raw) in rawMerges.enumerated() {
            let parts: [[UInt8]]
            if let text = raw.string {
                parts = Array(text.utf8).split(separator: 0x20, omittingEmptySubsequences: false).map(Array.init)
            } else {
                parts = (raw.array ?? []).compactMap { $0.string.map { Array($0.utf8) } }
            }
            guard parts.count == 2, let left = idOf[parts[0]], let right = idOf[parts[1]] else {
                throw .badTokenizer(reason: "merge \(index) is not two vocabulary tokens")
            }
            merges.append((UInt32(left), UInt32(right)))
        }
        var specials: [UInt32] = []
        for added in root["added_tokens"]?.array ?? [] {
            guard let id = added["id"]?.int, let content = added["content"]?.string, idOf[Array(content.utf8)] == id,
                  added["normalized"]?.bool == false,
                  ["lstrip", "rstrip", "single_word"].allSatisfy({ added[$0]?.bool == false }) else {
                throw .badTokenizer(reason: "an added token that is not a plain special token of the vocabulary")
            }
            specials.append(UInt32(id))
        }
        return (tokens.map { $0! }, merges, specials)
    }

    private static func checkSupported(_ root: OrderedJSON, _ model: OrderedJSON) throws(EmbeddingError) {
        func isNull(_ value: OrderedJSON?) -> Bool { value == nil || value == .null }
        guard model["type"]?.string == "BPE" else { throw .badTokenizer(reason: "model type is not BPE") }
        guard model["byte_fallback"]?.bool == true else { throw .badTokenizer(reason: "byte_fallback is off") }
        guard isNull(model["dropout"]), isNull(model["continuing_subword_prefix"]), isNull(model["end_of_word_suffix"]),
              model["ignore_merges"]?.bool != true else {
            throw .badTokenizer(reason: "dropout, a subword prefix or suffix, or ignore_merges is set")
        }
        guard isNull(root["pre_tokenizer"]) else { throw .badTokenizer(reason: "has a pre-tokenizer") }
        let prefix = "\u{2581}"
        guard let normalizer = root["normalizer"], normalizer["type"]?.string == "Sequence",
              let steps = normalizer["normalizers"]?.array, steps.count == 2,
              steps[0]["type"]?.string == "Prepend", steps[0]["prepend"]?.string == prefix,
              steps[1]["type"]?.string == "Replace", steps[1]["pattern"]?["String"]?.string == " ",
              steps[1]["content"]?.string == prefix else {
            throw .badTokenizer(reason: "normalizer is not Prepend(\"\u{2581}\") then Replace(\" \", \"\u{2581}\")")
        }
    }
}
