import Switchboard

/// Traps with `message` unless `condition` holds (`precondition` drops its message in release builds).
func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}

/// A small byte-fallback vocabulary shaped like Llama-2's: three specials, the 256 byte tokens,
/// "▁", a–z, "é", "▁" + each letter, and some longer pieces; every way of splitting a longer
/// token into two tokens is a merge, so ranks compete (several merges make the same token).
/// With `crossing`, it also has "é▁", a token that spans a word boundary, so the tokenizer
/// cannot merge word by word and merges whole segments.
struct Vocabulary {
    let tokens: [String]
    let merges: [(left: UInt32, right: UInt32)]
    let tokenizer: BPETokenizer
    let idOf: [String: Int]
    /// (left, right) → (rank, result id); the first merge of a pair is the one that counts.
    let rankOf: [[Int]: (rank: Int, id: Int)]
    let pooler: TokenPooler

    init(crossing: Bool) {
        var tokens = ["<unk>", "<s>", "</s>"]
        tokens += (0 ..< 256).map { (byte: Int) -> String in
            let hex = String(byte, radix: 16, uppercase: true)
            return "<0x" + (hex.count == 1 ? "0" + hex : hex) + ">"
        }
        let letters = (UInt8(ascii: "a") ... UInt8(ascii: "z")).map { String(UnicodeScalar($0)) }
        tokens += ["▁"] + letters + ["é"] + letters.map { "▁" + $0 }
        tokens += ["th", "he", "in", "er", "an", "re", "ng", "ing", "the", "▁th", "▁the", "▁in", "▁▁", "▁▁▁▁", "ée"]
        if crossing { tokens.append("é▁") }
        var id: [String: Int] = [:]
        for (i, t) in tokens.enumerated() { id[t] = i }
        var merges: [(left: UInt32, right: UInt32)] = []
        for token in tokens[259...] where token.count >= 2 {
            let characters = Array(token)
            for cut in 1 ..< characters.count {
                if let l = id[String(characters[..<cut])], let r = id[String(characters[cut...])] { merges.append((UInt32(l), UInt32(r))) }
            }
        }
        var rankOf: [[Int]: (rank: Int, id: Int)] = [:]
        for (rank, m) in merges.enumerated() where rankOf[[Int(m.left), Int(m.right)]] == nil {
            rankOf[[Int(m.left), Int(m.right)]] = (rank, id[tokens[Int(m.left)] + tokens[Int(m.right)]]!)
        }
        self.tokens = tokens
        self.merges = merges
        self.idOf = id
        self.rankOf = rankOf
        tokenizer = try! BPETokenizer(tokens: tokens, merges: merges, specialIDs: specials)
        let d = 5, n = tokens.count
        let table = (0 ..< n * d).map { Float(($0 * 7919) % 29) / 14 - 1 }
        let (scales, values) = SemanticContents.quantizeTable(table, dimensions: d)
        let block = SemanticContents(tokens: tokens, mergePairs: merges.flatMap { [$0.left, $0.right] },
                                     specialIDs: specials, dimensions: d, weight: 0.75, tableScales: scales, tableValues: values,
                                     pooling: .meanMax, maxScales: scales.map { $0 * 2 }, denseWeights: [Float](repeating: 0, count: 2 * d * 8))
        pooler = try! TokenPooler(block)
    }
}
let specials: [UInt32] = [0, 1, 2]
let vocabularies = [Vocabulary(crossing: false), Vocabulary(crossing: true)]

/// The text split at the longest special token from the left: each piece a special token's
/// id, or the bytes of a segment between them.
func pieces(_ text: String, _ v: Vocabulary) -> [(special: Int?, bytes: [UInt8])] {
    let bytes = Array(text.utf8), literals = specials.map { Array(v.tokens[Int($0)].utf8) }
    var out: [(special: Int?, bytes: [UInt8])] = [], segment: [UInt8] = [], p = 0
    while p < bytes.count {
        if let match = literals.enumerated().filter({ bytes[p...].starts(with: $0.element) }).max(by: { $0.element.count < $1.element.count }) {
            if !segment.isEmpty { out.append((nil, segment)); segment = [] }
            out.append((Int(specials[match.offset]), match.element))
            p += match.element.count
        } else {
            segment.append(bytes[p])
            p += 1
        }
    }
    if !segment.isEmpty { out.append((nil, segment)) }
    return out
}

/// The reference: per segment, "▁" then each scalar (a space as "▁") as its token or its UTF-8
/// byte tokens; then merge the lowest-ranked adjacent pair, leftmost first, until none is left.
/// Quadratic, and obviously so.
func referenceIDs(_ text: String, _ v: Vocabulary) -> [Int] {
    pieces(text, v).flatMap { piece -> [Int] in
        if let special = piece.special { return [special] }
        var symbols = [v.idOf["▁"]!]
        for scalar in String(decoding: piece.bytes, as: UTF8.self).unicodeScalars {
            let s = scalar == " " ? "▁" : String(scalar)
            if let id = v.idOf[s] { symbols.append(id) } else { symbols += s.utf8.map { 3 + Int($0) } }
        }
        while true {
            var best: (rank: Int, at: Int, id: Int)?
            for i in 0 ..< max(symbols.count - 1, 0) {
                if let m = v.rankOf[[symbols[i], symbols[i + 1]]], m.rank < (best?.rank ?? .max) { best = (m.rank, i, m.id) }
            }
            guard let best else { break }
            symbols[best.at ... best.at + 1] = [best.id]
        }
        return symbols
    }
}

/// The text a token stands for: its bytes (a byte token's one byte).
func bytes(of id: Int, _ v: Vocabulary) -> [UInt8] {
    let token = v.tokens[id]
    if id >= 3 && id < 259 { return [UInt8(id - 3)] }
    return Array(token.utf8)
}


// libFuzzer calls from one thread. One scratch per vocabulary, and one both share (a scratch
// must give the right ids whichever tokenizer used it last).
nonisolated(unsafe) let scratches = [TokenizerScratch(), TokenizerScratch()]
nonisolated(unsafe) let shared = TokenizerScratch()
nonisolated(unsafe) let semantic = SemanticScratch()

/// libFuzzer entry point. The first byte's low bit picks the vocabulary (without or with a
/// token across a word boundary); the rest, decoded as UTF-8 with replacement, is tokenized.
/// Checks: the ids equal the reference's; every id is in range; the tokens' bytes spell the
/// normalized text ("▁" before each segment between special tokens, spaces as "▁"); a scratch
/// that held a longer text, or that the other tokenizer used, gives the same ids; pooling gives
/// finite features with the mean part at norm α, or all zeros when nothing is pooled.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenizer(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size >= 1 else { return 0 }
    let v = vocabularies[Int(data[0] & 1)], scratch = scratches[Int(data[0] & 1)]
    let text = String(decoding: UnsafeBufferPointer(start: data + 1, count: size - 1), as: UTF8.self)
    let count = v.tokenizer.encode(text, into: scratch)
    let ids = scratch.tokenIDs.map { Int($0) }
    check(ids.count == count, "count \(count) vs \(ids.count) ids")
    check(ids.allSatisfy { $0 >= 0 && $0 < v.tokens.count }, "id out of range")
    let reference = referenceIDs(text, v)
    check(ids == reference, "ids \(ids) differ from the reference \(reference) for \(Array(text.utf8))")
    var spelled: [UInt8] = [], expected: [UInt8] = []
    for id in ids { spelled += bytes(of: id, v) }
    // The normalized text: specials literal, each segment "▁" + its bytes with spaces as "▁".
    for piece in pieces(text, v) {
        expected += piece.special != nil ? piece.bytes : Array("▁".utf8) + piece.bytes.flatMap { $0 == 0x20 ? Array("▁".utf8) : [$0] }
    }
    check(spelled == expected, "tokens spell \(spelled), expected \(expected)")
    _ = v.tokenizer.encode(text + text + "ingthe  é", into: scratch)
    v.tokenizer.encode(text, into: scratch)
    check(scratch.tokenIDs.map { Int($0) } == ids, "a used scratch changed the ids")
    v.tokenizer.encode(text, into: shared)
    check(shared.tokenIDs.map { Int($0) } == ids, "a scratch the other tokenizer used changed the ids")

    let pooler = v.pooler
    let pooled = pooler.pool(text, into: semantic)
    let features = (0 ..< pooler.featureCount).map { semantic.pooled[$0] }
    check(features.allSatisfy(\.isFinite), "non-finite pooled feature")
    if pooled {
        let norm = features[..<pooler.dimensions].reduce(0) { $0 + $1 * $1 }.squareRoot()
        check(abs(norm - 0.75) < 1e-3, "mean part has norm \(norm)")
    } else {
        check(features.allSatisfy { $0 == 0 }, "nothing pooled but features are not zero")
    }
    return 0
}
