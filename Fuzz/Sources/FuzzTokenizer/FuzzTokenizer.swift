import Switchboard

/// Traps with `message` unless `condition` holds (`precondition` drops its message in release builds).
func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}

/// A small byte-fallback vocabulary shaped like Llama-2's: three specials, the 256 byte tokens,
/// "▁", a–z, "é", "▁" + each letter, and some longer pieces; every way of splitting a longer
/// token into two tokens is a merge, so ranks compete (several merges make the same token).
let vocabulary: (tokens: [String], merges: [(left: UInt32, right: UInt32)]) = {
    var tokens = ["<unk>", "<s>", "</s>"]
    tokens += (0 ..< 256).map { (byte: Int) -> String in
        let hex = String(byte, radix: 16, uppercase: true)
        return "<0x" + (hex.count == 1 ? "0" + hex : hex) + ">"
    }
    let letters = (UInt8(ascii: "a") ... UInt8(ascii: "z")).map { String(UnicodeScalar($0)) }
    tokens += ["▁"] + letters + ["é"] + letters.map { "▁" + $0 }
    tokens += ["th", "he", "in", "er", "an", "re", "ng", "ing", "the", "▁th", "▁the", "▁in", "▁▁", "▁▁▁▁", "é▁", "ée"]
    var id: [String: UInt32] = [:]
    for (i, t) in tokens.enumerated() { id[t] = UInt32(i) }
    var merges: [(left: UInt32, right: UInt32)] = []
    for token in tokens[259...] where token.count >= 2 {
        let characters = Array(token)
        for cut in 1 ..< characters.count {
            if let l = id[String(characters[..<cut])], let r = id[String(characters[cut...])] { merges.append((l, r)) }
        }
    }
    return (tokens, merges)
}()
let specials: [UInt32] = [0, 1, 2]
let tokenizer = try! BPETokenizer(tokens: vocabulary.tokens, merges: vocabulary.merges, specialIDs: specials)
let idOf: [String: Int] = Dictionary(uniqueKeysWithValues: vocabulary.tokens.enumerated().map { ($1, $0) })
/// (left, right) → (rank, result id); the first merge of a pair is the one that counts.
let rankOf: [[Int]: (rank: Int, id: Int)] = {
    var out: [[Int]: (rank: Int, id: Int)] = [:]
    for (rank, m) in vocabulary.merges.enumerated() where out[[Int(m.left), Int(m.right)]] == nil {
        out[[Int(m.left), Int(m.right)]] = (rank, idOf[vocabulary.tokens[Int(m.left)] + vocabulary.tokens[Int(m.right)]]!)
    }
    return out
}()

/// The reference: split at the longest special token from the left; per segment, "▁" then each
/// scalar (a space as "▁") as its token or its UTF-8 byte tokens; then merge the lowest-ranked
/// adjacent pair, leftmost first, until none is left. Quadratic, and obviously so.
func referenceIDs(_ text: String) -> [Int] {
    let bytes = Array(text.utf8)
    var out: [Int] = [], segment: [UInt8] = [], p = 0
    func flush() {
        guard !segment.isEmpty else { return }
        var symbols = [idOf["▁"]!]
        for scalar in String(decoding: segment, as: UTF8.self).unicodeScalars {
            let s = scalar == " " ? "▁" : String(scalar)
            if let id = idOf[s] { symbols.append(id) } else { symbols += s.utf8.map { 3 + Int($0) } }
        }
        while true {
            var best: (rank: Int, at: Int, id: Int)?
            for i in 0 ..< max(symbols.count - 1, 0) {
                if let m = rankOf[[symbols[i], symbols[i + 1]]], m.rank < (best?.rank ?? .max) { best = (m.rank, i, m.id) }
            }
            guard let best else { break }
            symbols[best.at ... best.at + 1] = [best.id]
        }
        out += symbols
        segment = []
    }
    while p < bytes.count {
        let match = specials.map { Array(vocabulary.tokens[Int($0)].utf8) }.enumerated()
            .filter { bytes[p...].starts(with: $0.element) }.max { $0.element.count < $1.element.count }
        if let match {
            flush()
            out.append(Int(specials[match.offset]))
            p += match.element.count
        } else {
            segment.append(bytes[p])
            p += 1
        }
    }
    flush()
    return out
}

/// The text a token stands for: its bytes (a byte token's one byte).
func bytes(of id: Int) -> [UInt8] {
    let token = vocabulary.tokens[id]
    if id >= 3 && id < 259 { return [UInt8(id - 3)] }
    return Array(token.utf8)
}

let pooler: TokenPooler = {
    let d = 5, n = vocabulary.tokens.count
    let table = (0 ..< n * d).map { Float(($0 * 7919) % 29) / 14 - 1 }
    let (scales, values) = SemanticContents.quantizeTable(table, dimensions: d)
    let block = SemanticContents(tokens: vocabulary.tokens, mergePairs: vocabulary.merges.flatMap { [$0.left, $0.right] },
                                 specialIDs: specials, dimensions: d, weight: 0.75, tableScales: scales, tableValues: values,
                                 pooling: .meanMax, maxScales: scales.map { $0 * 2 }, denseWeights: [Float](repeating: 0, count: 2 * d * 8))
    return try! TokenPooler(block)
}()

nonisolated(unsafe) let scratch = TokenizerScratch()  // libFuzzer calls from one thread
nonisolated(unsafe) let semantic = SemanticScratch()

/// libFuzzer entry point: the input, decoded as UTF-8 with replacement, is tokenized. Checks:
/// the ids equal the reference's; every id is in range; the tokens' bytes spell the normalized
/// text ("▁" before each segment between special tokens, spaces as "▁"); a scratch that held a
/// longer text gives the same ids; pooling gives finite features with the mean part at norm α,
/// or all zeros when nothing is pooled.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenizer(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let count = tokenizer.encode(text, into: scratch)
    let ids = scratch.tokenIDs.map { Int($0) }
    check(ids.count == count, "count \(count) vs \(ids.count) ids")
    check(ids.allSatisfy { $0 >= 0 && $0 < vocabulary.tokens.count }, "id out of range")
    let reference = referenceIDs(text)
    check(ids == reference, "ids \(ids) differ from the reference \(reference) for \(Array(text.utf8))")
    var spelled: [UInt8] = [], expected: [UInt8] = []
    for id in ids { spelled += bytes(of: id) }
    var segment: [UInt8] = []
    func flush() { if !segment.isEmpty { expected += Array("▁".utf8) + segment; segment = [] } }
    // Rebuild the normalized text from the reference's own split (specials stay literal).
    var p = 0
    let textBytes = Array(text.utf8)
    while p < textBytes.count {
        if let s = specials.map({ Array(vocabulary.tokens[Int($0)].utf8) }).filter({ textBytes[p...].starts(with: $0) }).max(by: { $0.count < $1.count }) {
            flush(); expected += s; p += s.count
        } else {
            segment += textBytes[p] == 0x20 ? Array("▁".utf8) : [textBytes[p]]; p += 1
        }
    }
    flush()
    check(spelled == expected, "tokens spell \(spelled), expected \(expected)")
    _ = tokenizer.encode(text + text + "ingthe  é", into: scratch)
    tokenizer.encode(text, into: scratch)
    check(scratch.tokenIDs.map { Int($0) } == ids, "a used scratch changed the ids")

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
