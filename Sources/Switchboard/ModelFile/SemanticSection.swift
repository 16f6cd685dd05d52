import SwitchboardSupport

/// The semantic block in a model file (format version 4, flag bit 1).
///
/// ## Header fields (bytes 200 ..< 224 of the version-4 header)
/// | offset | size | field |
/// |-------:|-----:|-------|
/// | 200 | 4 | dimensions, UInt32, 1 ... 4096 |
/// | 204 | 4 | token count, UInt32, ≥ 1 |
/// | 208 | 4 | merge count, UInt32 |
/// | 212 | 4 | special-token count, UInt32 |
/// | 216 | 4 | weight α, Float32, finite and > 0 |
/// | 220 | 1 | table encoding, UInt8 = 1 (int8 with one Float32 scale per token) |
/// | 221 | 1 | pooling, UInt8: 0 mean, 1 mean and maximum (`SemanticContents.Pooling`) |
/// | 222 | 2 | reserved, 0 |
/// Without flag bit 1 all of them are 0 and the three sections are (0, 0).
///
/// ## Sections (each 64-byte aligned, after the weights)
/// - **vocabulary**: per token a UInt32 byte count (≥ 1) and that many bytes of UTF-8; then the
///   merges in rank order (left id, right id: UInt32 each); then the special ids (UInt32).
/// - **token table**: `token count` Float32 scales, zero padding to a multiple of 64; with
///   pooling 1, `token count` Float32 max scales and zero padding to a multiple of 64 again;
///   then `token count × dimensions` Int8 values (row = token id).
/// - **dense weights**: `features × row stride` Float32, feature-major, padding columns 0;
///   features = dimensions, or 2 × dimensions with pooling 1.
enum SemanticHeader {
    static let offset = ModelFileLayout.headerSizeV2 + 3 * 16
    static let dimensionsOffset = offset
    static let tokenCountOffset = offset + 4
    static let mergeCountOffset = offset + 8
    static let specialCountOffset = offset + 12
    static let weightOffset = offset + 16
    static let encodingOffset = offset + 20
    /// Table encoding 1: int8 values with a Float32 scale per token.
    static let int8Encoding: UInt8 = 1

    /// Bytes of the token table section: scales (twice with mean-and-max pooling), each padded
    /// to 64, then the values.
    static func tableLength(tokens: Int, dimensions: Int, pooling: SemanticContents.Pooling) -> Int {
        ModelFileLayout.aligned(tokens * 4) * pooling.scaleBlockCount + tokens * dimensions
    }
}

extension ModelFileLayout {
    /// The sizes the layout needs from a semantic block.
    struct SemanticSizes {
        var vocabularyLength: Int
        var tokenCount: Int
        var dimensions: Int
        var pooling: SemanticContents.Pooling

        init(_ s: SemanticContents) {
            vocabularyLength = s.tokens.reduce(0) { $0 + 4 + $1.utf8.count } + 4 * s.mergePairs.count + 4 * s.specialIDs.count
            tokenCount = s.tokens.count
            dimensions = s.dimensions
            pooling = s.pooling
        }
    }
}

/// Where a validated semantic block sits in the file, with its tokenizer already built.
struct ParsedSemantic {
    var tokenizer: BPETokenizer
    var dimensions: Int
    var weight: Float
    var pooling: SemanticContents.Pooling
    var vocabulary: Range<Int>
    var table: Range<Int>
    var denseWeights: Range<Int>
}

extension ModelFile {
    /// Appends the semantic header fields (24 bytes; zeros without a block).
    static func appendSemanticHeader(_ s: SemanticContents?, to w: inout ByteWriter) {
        guard let s else { w.append(bytes: [UInt8](repeating: 0, count: 24)); return }
        for n in [s.dimensions, s.tokens.count, s.mergePairs.count / 2, s.specialIDs.count] { w.append(UInt32(n)) }
        w.append(s.weight.bitPattern)
        w.append(bytes: [SemanticHeader.int8Encoding, s.pooling.rawValue, 0, 0])
    }

    /// Appends the vocabulary, token table and dense weights sections, each 64-byte aligned.
    static func appendSemanticSections(_ s: SemanticContents, to w: inout ByteWriter) {
        w.pad(toMultipleOf: ModelFileLayout.floatAlignment)
        for token in s.tokens {
            w.append(UInt32(token.utf8.count))
            w.append(bytes: Array(token.utf8))
        }
        for id in s.mergePairs { w.append(id) }
        for id in s.specialIDs { w.append(id) }
        w.pad(toMultipleOf: ModelFileLayout.floatAlignment)
        w.append(floats: s.tableScales)
        w.pad(toMultipleOf: ModelFileLayout.floatAlignment)
        if s.pooling == .meanMax {
            w.append(floats: s.maxScales)
            w.pad(toMultipleOf: ModelFileLayout.floatAlignment)
        }
        s.tableValues.withUnsafeBytes { w.append(bytes: $0) }
        w.pad(toMultipleOf: ModelFileLayout.floatAlignment)
        w.append(floats: s.denseWeights)
    }

    /// Validates the semantic header fields and sections of a version-3 file with flag bit 1:
    /// every count against the bytes that hold it before anything is allocated, then the
    /// tokens, merges and special ids (by building the tokenizer), and every scale and weight.
    static func parseSemantic(_ reader: ByteReader, sections: [ModelFileLayout.Section: Range<Int>], rowStride: Int,
                              path: String) throws(ModelFileError) -> ParsedSemantic {
        func bad(_ reason: String) -> ModelFileError { .inconsistent(path: path, reason: "semantic block: " + reason) }
        func u32(_ at: Int) throws(ModelFileError) -> Int {
            do { return Int(try reader.load(UInt32.self, at: at)) } catch { throw bad("field at byte \(at) is outside the file") }
        }
        guard let vocabulary = sections[.vocabulary], let table = sections[.tokenTable],
              let dense = sections[.denseWeights] else { throw bad("missing section") }
        let dims = try u32(SemanticHeader.dimensionsOffset), tokenCount = try u32(SemanticHeader.tokenCountOffset)
        let mergeCount = try u32(SemanticHeader.mergeCountOffset), specialCount = try u32(SemanticHeader.specialCountOffset)
        let weight = Float(bitPattern: UInt32(try u32(SemanticHeader.weightOffset)))
        let tail = try u32(SemanticHeader.encodingOffset)
        guard (1 ... SemanticContents.maximumDimensions).contains(dims) else { throw bad("\(dims) dimensions") }
        guard weight > 0, weight.isFinite else { throw bad("weight \(weight), expected a finite value > 0") }
        guard tail & 0xFFFF_00FF == Int(SemanticHeader.int8Encoding),
              let pooling = SemanticContents.Pooling(rawValue: UInt8(tail >> 8 & 0xFF)) else {
            throw bad("unknown table encoding, pooling or reserved bytes 0x\(String(tail, radix: 16))")
        }
        let features = pooling.featureCount(dimensions: dims)
        // Each token takes at least 5 bytes; merges 8 and special ids 4. All counts are < 2^32, so no overflow in Int.
        let fixed = 8 * mergeCount + 4 * specialCount
        guard tokenCount >= 1, tokenCount <= BPETokenizer.maximumVocabularySize, mergeCount <= BPETokenizer.maximumVocabularySize,
              fixed + 5 * tokenCount <= vocabulary.count else {
            throw bad("\(tokenCount) tokens, \(mergeCount) merges and \(specialCount) special ids cannot be held in a \(vocabulary.count)-byte vocabulary section")
        }
        guard table.count == SemanticHeader.tableLength(tokens: tokenCount, dimensions: dims, pooling: pooling) else {
            throw bad("token table is \(table.count) bytes, expected \(tokenCount) × \(dims) with \(pooling) pooling")
        }
        guard dense.count == features * rowStride * 4 else {
            throw bad("dense weights are \(dense.count) bytes, expected \(features) × \(rowStride) floats")
        }
        for range in [vocabulary, table, dense] where range.lowerBound % ModelFileLayout.floatAlignment != 0 {
            throw bad("section at offset \(range.lowerBound) is not 64-byte aligned")
        }
        let tokenizer = try parseVocabulary(reader, vocabulary, counts: (tokenCount, mergeCount, specialCount), path: path)
        let scaleBlock = ModelFileLayout.aligned(4 * tokenCount)
        for (name, start) in [("scale", table.lowerBound), ("max scale", table.lowerBound + scaleBlock)].prefix(pooling.scaleBlockCount) {
            if let i = try firstFloat(in: reader, at: start, count: tokenCount, path: path, where: { !($0 >= 0 && $0.isFinite) }) {
                throw bad("token \(i) has a negative or non-finite \(name)")
            }
        }
        if let i = try firstFloat(in: reader, at: dense.lowerBound, count: features * rowStride, path: path, where: { !$0.isFinite }) {
            throw bad("dense weight \(i) is not finite")
        }
        return ParsedSemantic(tokenizer: tokenizer, dimensions: dims, weight: weight, pooling: pooling, vocabulary: vocabulary,
                              table: table, denseWeights: dense)
    }

    /// The tokenizer in a vocabulary section whose counts were checked against its size: the
    /// tokens (each non-empty, valid UTF-8, filling the bytes before the merges exactly), the
    /// merges and the special ids.
    static func parseVocabulary(_ reader: ByteReader, _ vocabulary: Range<Int>, counts: (tokens: Int, merges: Int, specials: Int),
                                path: String) throws(ModelFileError) -> BPETokenizer {
        func bad(_ reason: String) -> ModelFileError { .inconsistent(path: path, reason: "semantic block: " + reason) }
        func u32(_ at: Int) throws(ModelFileError) -> Int {
            do { return Int(try reader.load(UInt32.self, at: at)) } catch { throw bad("field at byte \(at) is outside the file") }
        }
        let (tokenCount, mergeCount, specialCount) = counts
        let fixed = 8 * mergeCount + 4 * specialCount
        let tokensEnd = vocabulary.upperBound - fixed
        // The tokens' bytes go straight into the tokenizer's byte buffer: no `String` per token.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(tokensEnd - vocabulary.lowerBound - 4 * tokenCount)
        var starts = [0]
        starts.reserveCapacity(tokenCount + 1)
        var p = vocabulary.lowerBound
        for index in 0 ..< tokenCount {
            let length = try u32(p)
            guard length >= 1, length <= tokensEnd - p - 4 else { throw bad("token \(index) is empty or runs past the tokens") }
            guard let raw = try? reader.slice(at: p + 4, size: length) else { throw bad("token \(index) runs past the file") }
            let utf8 = raw.bindMemory(to: UInt8.self)
            guard UTF8Validation.isValid(utf8) else { throw bad("token \(index) is not valid UTF-8") }
            bytes.append(contentsOf: utf8)
            starts.append(bytes.count)
            p += 4 + length
        }
        guard p == tokensEnd else { throw bad("\(tokensEnd - p) unused bytes after the last token") }
        // Bounds-checked once for all the merges and special ids (their sizes were checked
        // against the section's), then read in place.
        guard let pairs = try? reader.slice(at: p, size: 8 * mergeCount),
              let ids = try? reader.slice(at: p + 8 * mergeCount, size: 4 * specialCount) else {
            throw bad("merges run past the file") // unreachable: the section fits in the file
        }
        func word(_ raw: UnsafeRawBufferPointer, _ index: Int) -> UInt32 {
            UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * index, as: UInt32.self))
        }
        let merges = (0 ..< mergeCount).map { (left: word(pairs, 2 * $0), right: word(pairs, 2 * $0 + 1)) }
        let specials = (0 ..< specialCount).map { word(ids, $0) }
        do {
            return try BPETokenizer(vocabulary: TokenIndex(bytes: bytes, starts: starts), merges: merges, specialIDs: specials)
        } catch { throw bad(error.description) }
    }

    /// The index of the first of `count` little-endian Float32 values at byte `start` for which
    /// `isBad` holds, or nil; the whole run is bounds-checked once.
    static func firstFloat(in reader: ByteReader, at start: Int, count: Int, path: String,
                           where isBad: (Float) -> Bool) throws(ModelFileError) -> Int? {
        guard let bytes = try? reader.slice(at: start, size: 4 * count) else {
            throw .inconsistent(path: path, reason: "semantic block: \(count) floats at byte \(start) run past the file")
        }
        for i in 0 ..< count where isBad(Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))) {
            return i
        }
        return nil
    }
}

/// A loaded model's semantic block, used in place in the model's memory (valid while the
/// `ModelStorage` that holds it lives).
public struct SemanticStorage: @unchecked Sendable {
    /// The model's tokenizer (built and validated at load).
    public let tokenizer: BPETokenizer
    /// Vector length.
    public let dimensions: Int
    /// The L2 norm α of the pooled vector.
    public let weight: Float
    /// How the token vectors are pooled.
    public let pooling: SemanticContents.Pooling
    /// One scale per token.
    public let tableScales: UnsafeBufferPointer<Float>
    /// With `.meanMax` pooling, one scale per token for the maximum; else empty.
    public let maxScales: UnsafeBufferPointer<Float>
    /// `tokens × dimensions` int8 values.
    public let tableValues: UnsafeBufferPointer<Int8>
    /// `featureCount × rowStride` dense weights, feature-major.
    public let denseWeights: UnsafeBufferPointer<Float>

    /// Dense features per query.
    public var featureCount: Int { pooling.featureCount(dimensions: dimensions) }

    init(_ parsed: ParsedSemantic, base: UnsafeMutableRawPointer, rowStride: Int,
         floats: (Range<Int>) -> UnsafeBufferPointer<Float>) {
        tokenizer = parsed.tokenizer
        dimensions = parsed.dimensions
        weight = parsed.weight
        pooling = parsed.pooling
        let tokens = parsed.tokenizer.tokenCount, scaleBlock = ModelFileLayout.aligned(4 * tokens)
        tableScales = floats(parsed.table.lowerBound ..< parsed.table.lowerBound + 4 * tokens)
        let maxStart = parsed.table.lowerBound + scaleBlock
        maxScales = floats(maxStart ..< maxStart + (pooling == .meanMax ? 4 * tokens : 0))
        let valuesStart = parsed.table.lowerBound + scaleBlock * pooling.scaleBlockCount
        tableValues = UnsafeBufferPointer(start: UnsafeRawPointer(base + valuesStart).bindMemory(to: Int8.self, capacity: tokens * dimensions),
                                          count: tokens * dimensions)
        denseWeights = floats(parsed.denseWeights)
    }

    /// Copies the block out into plain values.
    public func contents() -> SemanticContents {
        SemanticContents(tokens: tokenizer.tokens, mergePairs: tokenizer.merges.flatMap { [$0.left, $0.right] },
                         specialIDs: tokenizer.specialIDs, dimensions: dimensions, weight: weight,
                         tableScales: Array(tableScales), tableValues: Array(tableValues), pooling: pooling,
                         maxScales: Array(maxScales), denseWeights: Array(denseWeights))
    }

    /// A pooler over this block's table; `owner` (the storage) is kept alive by it.
    func pooler(owner: AnyObject) -> TokenPooler {
        TokenPooler(tokenizer: tokenizer, dimensions: dimensions, weight: weight, scales: tableScales.baseAddress!,
                    maxScales: pooling == .meanMax ? maxScales.baseAddress! : nil, values: tableValues.baseAddress!, owner: owner)
    }
}
