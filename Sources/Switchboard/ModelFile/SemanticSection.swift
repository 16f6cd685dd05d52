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
/// | 221 | 3 | reserved, 0 |
/// Without flag bit 1 all of them are 0 and the three sections are (0, 0).
///
/// ## Sections (each 64-byte aligned, after the weights)
/// - **vocabulary**: per token a UInt32 byte count (≥ 1) and that many bytes of UTF-8; then the
///   merges in rank order (left id, right id: UInt32 each); then the special ids (UInt32).
/// - **token table**: `token count` Float32 scales, zero padding to a multiple of 64, then
///   `token count × dimensions` Int8 values (row = token id).
/// - **dense weights**: `dimensions × row stride` Float32, dimension-major, padding columns 0.
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

    /// Bytes of the token table section: scales, padding to 64, values.
    static func tableLength(tokens: Int, dimensions: Int) -> Int {
        ModelFileLayout.aligned(tokens * 4) + tokens * dimensions
    }
}

extension ModelFileLayout {
    /// The sizes the layout needs from a semantic block.
    struct SemanticSizes {
        var vocabularyLength: Int
        var tokenCount: Int
        var dimensions: Int

        init(_ s: SemanticContents) {
            vocabularyLength = s.tokens.reduce(0) { $0 + 4 + $1.utf8.count } + 4 * s.mergePairs.count + 4 * s.specialIDs.count
            tokenCount = s.tokens.count
            dimensions = s.dimensions
        }
    }
}

/// Where a validated semantic block sits in the file, with its tokenizer already built.
struct ParsedSemantic {
    var tokenizer: BPETokenizer
    var dimensions: Int
    var weight: Float
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
        w.append(bytes: [SemanticHeader.int8Encoding, 0, 0, 0])
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
        guard tail == Int(SemanticHeader.int8Encoding) else { throw bad("unknown table encoding or reserved bytes 0x\(String(tail, radix: 16))") }
        // Each token takes at least 5 bytes; merges 8 and special ids 4. All counts are < 2^32, so no overflow in Int.
        let fixed = 8 * mergeCount + 4 * specialCount
        guard tokenCount >= 1, tokenCount <= BPETokenizer.maximumVocabularySize, mergeCount <= BPETokenizer.maximumVocabularySize,
              fixed + 5 * tokenCount <= vocabulary.count else {
            throw bad("\(tokenCount) tokens, \(mergeCount) merges and \(specialCount) special ids cannot be held in a \(vocabulary.count)-byte vocabulary section")
        }
        guard table.count == SemanticHeader.tableLength(tokens: tokenCount, dimensions: dims) else {
            throw bad("token table is \(table.count) bytes, expected \(tokenCount) × \(dims)")
        }
        guard dense.count == dims * rowStride * 4 else { throw bad("dense weights are \(dense.count) bytes, expected \(dims) × \(rowStride) floats") }
        for range in [vocabulary, table, dense] where range.lowerBound % ModelFileLayout.floatAlignment != 0 {
            throw bad("section at offset \(range.lowerBound) is not 64-byte aligned")
        }
        let tokensEnd = vocabulary.upperBound - fixed
        var tokens: [String] = []
        tokens.reserveCapacity(tokenCount)
        var p = vocabulary.lowerBound
        for index in 0 ..< tokenCount {
            let length = try u32(p)
            guard length >= 1, length <= tokensEnd - p - 4 else { throw bad("token \(index) is empty or runs past the tokens") }
            guard let raw = try? reader.slice(at: p + 4, size: length), let token = String(validating: raw, as: UTF8.self) else {
                throw bad("token \(index) is not valid UTF-8")
            }
            tokens.append(token)
            p += 4 + length
        }
        guard p == tokensEnd else { throw bad("\(tokensEnd - p) unused bytes after the last token") }
        var merges: [(left: UInt32, right: UInt32)] = []
        merges.reserveCapacity(mergeCount)
        for i in 0 ..< mergeCount { merges.append((UInt32(try u32(p + 8 * i)), UInt32(try u32(p + 8 * i + 4)))) }
        p += 8 * mergeCount
        var specials: [UInt32] = []
        for i in 0 ..< specialCount { specials.append(UInt32(try u32(p + 4 * i))) }
        let tokenizer: BPETokenizer
        do { tokenizer = try BPETokenizer(tokens: tokens, merges: merges, specialIDs: specials) } catch { throw bad(error.description) }
        for i in 0 ..< tokenCount {
            let scale = Float(bitPattern: UInt32(try u32(table.lowerBound + 4 * i)))
            guard scale >= 0, scale.isFinite else { throw bad("token \(i) has scale \(scale)") }
        }
        for i in 0 ..< dims * rowStride {
            guard Float(bitPattern: UInt32(try u32(dense.lowerBound + 4 * i))).isFinite else { throw bad("dense weight \(i) is not finite") }
        }
        return ParsedSemantic(tokenizer: tokenizer, dimensions: dims, weight: weight, vocabulary: vocabulary,
                              table: table, denseWeights: dense)
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
    /// One scale per token.
    public let tableScales: UnsafeBufferPointer<Float>
    /// `tokens × dimensions` int8 values.
    public let tableValues: UnsafeBufferPointer<Int8>
    /// `dimensions × rowStride` dense weights, dimension-major.
    public let denseWeights: UnsafeBufferPointer<Float>

    init(_ parsed: ParsedSemantic, base: UnsafeMutableRawPointer, rowStride: Int,
         floats: (Range<Int>) -> UnsafeBufferPointer<Float>) {
        tokenizer = parsed.tokenizer
        dimensions = parsed.dimensions
        weight = parsed.weight
        let tokens = parsed.tokenizer.tokens.count
        tableScales = floats(parsed.table.lowerBound ..< parsed.table.lowerBound + 4 * tokens)
        let valuesStart = parsed.table.lowerBound + ModelFileLayout.aligned(4 * tokens)
        tableValues = UnsafeBufferPointer(start: UnsafeRawPointer(base + valuesStart).bindMemory(to: Int8.self, capacity: tokens * dimensions),
                                          count: tokens * dimensions)
        denseWeights = floats(parsed.denseWeights)
    }

    /// Copies the block out into plain values.
    public func contents() -> SemanticContents {
        SemanticContents(tokens: tokenizer.tokens, mergePairs: tokenizer.merges.flatMap { [$0.left, $0.right] },
                         specialIDs: tokenizer.specialIDs, dimensions: dimensions, weight: weight,
                         tableScales: Array(tableScales), tableValues: Array(tableValues), denseWeights: Array(denseWeights))
    }

    /// A pooler over this block's table; `owner` (the storage) is kept alive by it.
    func pooler(owner: AnyObject) -> TokenPooler {
        TokenPooler(tokenizer: tokenizer, dimensions: dimensions, weight: weight, scales: tableScales.baseAddress!,
                    values: tableValues.baseAddress!, owner: owner)
    }
}
