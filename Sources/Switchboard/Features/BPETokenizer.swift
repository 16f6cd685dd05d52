/// A byte-fallback BPE tokenizer of the SentencePiece/Llama kind, in pure Swift.
///
/// It reproduces Hugging Face `tokenizers` for a BPE model whose normalizer prepends "▁" and
/// replaces " " with "▁", with no pre-tokenizer, no dropout, no subword prefix or suffix and
/// byte fallback on (`encode(text, add_special_tokens=False).ids`):
/// 1. the text is split on literal occurrences of the special tokens (leftmost, longest
///    first), which become their own ids;
/// 2. every other non-empty segment gets "▁" prepended and each space replaced by "▁";
/// 3. each Unicode scalar becomes its single-character token, or else one `<0xNN>` token per
///    UTF-8 byte;
/// 4. adjacent pairs are merged, lowest merge rank first (leftmost among equal ranks), until
///    no listed pair remains.
///
/// When no merge can join across the "▁" that starts a word, step 4 runs word by word, with the
/// words' ids cached in the scratch (`encodeWords`): the same ids, fewer merges.
///
/// The tokenizer is immutable and `Sendable`; `encode(_:into:)` allocates nothing once its
/// `TokenizerScratch` has grown to the longest text and made its word cache (second use).
public struct BPETokenizer: Sendable {
    /// Why a tokenizer could not be built from a vocabulary and merges.
    public enum BuildError: Error, Equatable, CustomStringConvertible {
        /// The vocabulary is empty, too large, or has an empty or duplicate token.
        case badVocabulary(String)
        /// A merge names an id outside the vocabulary, or its result is not a token.
        case badMerge(index: Int, reason: String)
        /// A `<0xNN>` byte token is missing, or a special token id is out of range.
        case missingToken(String)

        public var description: String {
            switch self {
            case let .badVocabulary(reason): "bad vocabulary: \(reason)"
            case let .badMerge(index, reason): "bad merge \(index): \(reason)"
            case let .missingToken(reason): "missing token: \(reason)"
            }
        }
    }

    /// Every token's text, indexed by id.
    /// - Complexity: O(vocabulary bytes): the tokens are kept as one byte buffer, not as strings.
    public var tokens: [String] { vocabulary.tokens }
    /// The number of tokens: one more than the largest id.
    public var tokenCount: Int { vocabulary.count }
    /// The UTF-8 bytes of all the tokens together, without building `tokens`.
    package var tokenByteCount: Int { vocabulary.byteCount }
    /// The merges in rank order, as (left id, right id).
    public let merges: [(left: UInt32, right: UInt32)]
    /// Ids of the special tokens matched literally in the raw text (never normalized or merged).
    public let specialIDs: [UInt32]

    /// The tokens' bytes and their index.
    let vocabulary: TokenIndex
    let scalarIDs: IdHashTable
    private let mergeTable: IdHashTable
    let byteIDs: [UInt32]
    /// Whether segments are merged word by word (see `encodeWords`): true when no merge can
    /// cross the boundary before a word, and always false for `withoutWordSplitting()`.
    private(set) var splitsAtWords: Bool
    /// A fingerprint of the vocabulary, merges and special ids: a scratch's word cache holds the
    /// ids of one tokenizer and is cleared when a tokenizer with another identity uses it.
    let identity: UInt64
    private let specialBytes: [[UInt8]]
    /// True at every byte that starts a special token: other positions skip the special scan.
    private let specialStart: [Bool]

    /// The largest vocabulary accepted (ids and merge ranks must fit in 31 bits).
    public static let maximumVocabularySize = 1 << 24

    /// Builds a tokenizer from `tokens` (index = id), `merges` (rank order) and the ids of the
    /// special tokens. Every merge's concatenation must be a token, and all 256 `<0xNN>` byte
    /// tokens must exist.
    public init(tokens: [String], merges: [(left: UInt32, right: UInt32)],
                specialIDs: [UInt32]) throws(BuildError) {
        try Self.checkCounts(tokens: tokens.count, merges: merges.count)
        try self.init(vocabulary: TokenIndex(tokens), merges: merges, specialIDs: specialIDs)
    }

    /// Builds a tokenizer over an indexed vocabulary of valid UTF-8 tokens (a model file's,
    /// without a `String` per token), as `init(tokens:merges:specialIDs:)` does.
    init(vocabulary: TokenIndex, merges: [(left: UInt32, right: UInt32)], specialIDs: [UInt32]) throws(BuildError) {
        try Self.checkCounts(tokens: vocabulary.count, merges: merges.count)
        let scalarPairs = Self.singleScalarTokens(vocabulary)
        var mergePairs: [(key: UInt64, value: UInt64)] = []
        mergePairs.reserveCapacity(merges.count)
        var previous = 0  // the last merge's result
        for (rank, merge) in merges.enumerated() {
            let (left, right) = (Int(merge.left), Int(merge.right))
            guard left < vocabulary.count, right < vocabulary.count else { throw .badMerge(index: rank, reason: "id out of range") }
            // A SentencePiece vocabulary lists the merges in the order of the tokens they make:
            // for 61,219 of Llama-2's 61,249 merges the result is the last merge's or the next
            // id. Confirming that guess byte for byte reads tokens in order where a lookup
            // hashes and misses the cache: this loop went from 5.2 to 3.6 ms of a model load.
            let result: UInt32
            if vocabulary.isToken(previous, joining: left, right) {
                result = UInt32(previous)
            } else if previous + 1 < vocabulary.count, vocabulary.isToken(previous + 1, joining: left, right) {
                result = UInt32(previous + 1)
            } else if let found = vocabulary.id(joining: left, right) {
                result = found
            } else {
                throw .badMerge(index: rank, reason: "\"\(vocabulary.token(left))\" + \"\(vocabulary.token(right))\" is not a token")
            }
            previous = Int(result)
            let key = UInt64(merge.left) << 32 | UInt64(merge.right)
            // A pair listed twice keeps its first (lowest) rank, as the reference does:
            // `IdHashTable` keeps the first value of a repeated key.
            mergePairs.append((key, UInt64(rank) << 32 | UInt64(result)))
        }
        var byteIDs: [UInt32] = []
        for byte in 0 ..< 256 {
            let name = "<0x" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2) + ">"
            guard let id = vocabulary.id(of: name) else { throw .missingToken(name) }
            byteIDs.append(id)
        }
        for id in specialIDs where Int(id) >= vocabulary.count { throw .missingToken("special id \(id)") }
        self.vocabulary = vocabulary
        self.merges = merges
        self.specialIDs = specialIDs
        let mergeHash = merges.withUnsafeBytes { XXH64.hash($0, seed: vocabulary.fingerprint) }
        identity = specialIDs.withUnsafeBytes { XXH64.hash($0, seed: mergeHash) }
        let scalarIDs = IdHashTable(scalarPairs)
        self.scalarIDs = scalarIDs
        self.mergeTable = IdHashTable(mergePairs)
        self.byteIDs = byteIDs
        self.specialBytes = specialIDs.map { Array(vocabulary.token(Int($0)).utf8) }
        var starts = [Bool](repeating: false, count: 256)
        for bytes in specialBytes { if let first = bytes.first { starts[Int(first)] = true } }
        self.specialStart = starts
        self.splitsAtWords = Self.mergesStayInWords(vocabulary, merges: merges,
                                                    hasSpaceToken: scalarIDs.value(for: 0x2581) != nil)
    }

    private static func checkCounts(tokens: Int, merges: Int) throws(BuildError) {
        guard tokens > 0, tokens <= maximumVocabularySize, merges <= maximumVocabularySize
        else { throw .badVocabulary("\(tokens) tokens and \(merges) merges") }
    }

    /// (scalar, id) for every token that is one Unicode scalar.
    private static func singleScalarTokens(_ vocabulary: TokenIndex) -> [(key: UInt64, value: UInt64)] {
        var pairs: [(key: UInt64, value: UInt64)] = []
        vocabulary.forEachToken { id, utf8 in
            // Valid UTF-8: the lead byte gives the scalar's length, which must be the token's.
            let lead = utf8[0]
            let length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
            guard utf8.count == length else { return }
            var scalar = UInt32(lead) & (length == 1 ? 0x7F : length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
            for i in 1 ..< max(length, 1) { scalar = scalar << 6 | (UInt32(utf8[i]) & 0x3F) }
            pairs.append((UInt64(scalar), UInt64(id)))
        }
        return pairs
    }

    /// The same tokenizer merging each segment whole: the reference the word-by-word path
    /// must equal.
    func withoutWordSplitting() -> BPETokenizer {
        var copy = self
        copy.splitsAtWords = false
        return copy
    }

    @inline(__always)
    func mergeTableValue(_ key: UInt64) -> UInt64? { mergeTable.value(for: key) }

    /// The token ids of `text`, allocating an array (see `encode(_:into:)` for the hot path).
    public func encode(_ text: String) -> [Int] {
        let scratch = TokenizerScratch()
        encode(text, into: scratch)
        return scratch.tokenIDs.map { Int($0) }
    }

    /// Encodes `text` into `scratch` (its `tokenIDs`); returns the number of ids.
    @discardableResult
    public func encode(_ text: String, into scratch: TokenizerScratch) -> Int {
        if let count = text.utf8.withContiguousStorageIfAvailable({ encode(utf8: UnsafeRawBufferPointer($0), into: scratch) }) {
            return count
        }
        var copy = text
        return copy.withUTF8 { encode(utf8: UnsafeRawBufferPointer($0), into: scratch) }
    }

    /// Encodes valid UTF-8 bytes into `scratch`; returns the number of ids.
    public func encode(utf8 bytes: UnsafeRawBufferPointer, into scratch: TokenizerScratch) -> Int {
        scratch.reserve(2 * bytes.count + 2)
        scratch.startEncode()
        scratch.count = 0
        var segmentStart = 0, position = 0
        while position < bytes.count {
            if specialStart[Int(bytes[position])], let (index, length) = special(at: position, in: bytes) {
                encodeSegment(bytes, segmentStart ..< position, scratch)
                scratch.ids[scratch.count] = specialIDs[index]
                scratch.count += 1
                position += length
                segmentStart = position
            } else {
                position += 1
            }
        }
        encodeSegment(bytes, segmentStart ..< bytes.count, scratch)
        return scratch.count
    }

    /// The longest special token starting at `position`: its index and byte length.
    @inline(__always)
    private func special(at position: Int, in bytes: UnsafeRawBufferPointer) -> (Int, Int)? {
        var best: (Int, Int)?
        for index in 0 ..< specialBytes.count {
            let length = specialBytes[index].count
            guard length <= bytes.count - position, length > (best?.1 ?? 0) else { continue }
            var equal = true
            for i in 0 ..< length where specialBytes[index][i] != bytes[position + i] { equal = false; break }
            if equal { best = (index, length) }
        }
        return best
    }

    /// Normalizes, splits into scalar or byte symbols, merges and appends one segment's ids.
    private func encodeSegment(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ scratch: TokenizerScratch) {
        guard !range.isEmpty else { return }
        if splitsAtWords { return encodeWords(bytes, range, scratch) }
        let symbols = scratch.symbols
        var count = 0
        appendScalar(0x2581, bytes: nil, symbols, &count)
        var p = range.lowerBound
        while p < range.upperBound {
            let lead = bytes[p]
            let length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
            var scalar = UInt32(lead) & (length == 1 ? 0x7F : length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
            for i in 1 ..< max(length, 1) { scalar = scalar << 6 | (UInt32(bytes[p + i]) & 0x3F) }
            if scalar == 0x20 { scalar = 0x2581 }
            appendScalar(scalar, bytes: scalar == 0x2581 && lead == 0x20 ? nil : UnsafeRawBufferPointer(rebasing: bytes[p ..< p + length]),
                         symbols, &count)
            p += length
        }
        mergeAll(count, scratch)
        var index: Int32 = 0
        while index >= 0 {
            scratch.ids[scratch.count] = symbols[Int(index)]
            scratch.count += 1
            index = scratch.next[Int(index)]
        }
    }

    /// Appends the token of `scalar`, or else one byte token per UTF-8 byte (`bytes`; nil
    /// means "▁", whose bytes are E2 96 81).
    @inline(__always)
    func appendScalar(_ scalar: UInt32, bytes: UnsafeRawBufferPointer?,
                              _ symbols: UnsafeMutablePointer<UInt32>, _ count: inout Int) {
        if let id = scalarIDs.value(for: UInt64(scalar)) {
            symbols[count] = UInt32(truncatingIfNeeded: id)
            count += 1
        } else if let bytes {
            for byte in bytes { symbols[count] = byteIDs[Int(byte)]; count += 1 }
        } else {
            // Only "▁" (from a space or the prefix) arrives without its own bytes.
            for byte: UInt8 in [0xE2, 0x96, 0x81] { symbols[count] = byteIDs[Int(byte)]; count += 1 }
        }
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
