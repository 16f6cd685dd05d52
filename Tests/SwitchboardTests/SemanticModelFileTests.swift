import Foundation
import Testing
@testable import Switchboard

/// Models with a semantic block (format version 4): round trip, pooling, scores, explanation,
/// and rejection of truncated, flipped and inconsistent bytes.
@Suite struct SemanticModelFileTests {
    typealias Layout = ModelFileLayout
    typealias T = ModelFileTests

    /// A tiny byte-fallback vocabulary: `<unk> <s> </s>`, the 256 byte tokens, then "▁", letters
    /// and the merges "▁" + "a" → "▁a", "▁a" + "b" → "▁ab".
    static func vocabulary() -> (tokens: [String], merges: [UInt32], specials: [UInt32]) {
        var tokens = ["<unk>", "<s>", "</s>"]
        tokens += (0 ..< 256).map { "<0x" + String($0, radix: 16, uppercase: true).leftPadded(to: 2) + ">" }
        tokens += ["▁", "a", "b", "c", "d", "▁a", "▁ab"]
        let id = { (t: String) in UInt32(tokens.firstIndex(of: t)!) }
        return (tokens, [id("▁"), id("a"), id("▁a"), id("b")], [1, 2])
    }

    /// `ModelFileTests.sample` (3 labels, 2^10 buckets) with a 6-dimensional semantic block.
    static func sample(dimensions: Int = 6) -> ModelContents {
        var contents = T.sample()
        let (tokens, merges, specials) = vocabulary()
        let table = (0 ..< tokens.count * dimensions).map { Float(($0 * 7919) % 23) / 11 - 1 }
        let (scales, values) = SemanticContents.quantizeTable(table, dimensions: dimensions)
        let dense = (0 ..< dimensions * contents.rowStride).map { i in i % contents.rowStride < 3 ? Float(i % 5) * 0.3 - 0.6 : 0 }
        contents.semantic = SemanticContents(tokens: tokens, mergePairs: merges, specialIDs: specials, dimensions: dimensions,
                                             weight: 0.75, tableScales: scales, tableValues: values, denseWeights: dense)
        return contents
    }

    @Test func roundTripIsVersion4AndSelfContained() throws {
        let contents = Self.sample()
        let bytes = try ModelFile.encode(contents)
        let storage = try ModelFile.decode(bytes)
        #expect(storage.formatVersion == 4)
        #expect(storage.contents() == contents)
        #expect(try ModelFile.encode(storage.contents()) == bytes)
        #expect(bytes.count == contents.modelByteEstimate)
        let b = storage.sizeBreakdown
        #expect(b.header + b.labels + b.metadata + b.idf + b.bias + b.weights + b.scales + b.padding + b.checksum + b.semantic == bytes.count)
        #expect(b.semantic > 0)
        // Without a block the same contents still write version 1, byte for byte as before.
        var plain = contents
        plain.semantic = nil
        #expect(try ModelFile.encode(plain) == T.sampleBytes())
    }

    /// The logits are the n-gram scores plus α·normalize(Σ vectors) times the dense weights.
    @Test func scoresAddThePooledVectorTimesTheDenseWeights() throws {
        let contents = Self.sample()
        let classifier = try Classifier(contents: contents)
        var plain = contents
        plain.semantic = nil
        let ngrams = try Classifier(contents: plain)
        let text = "ab cab"
        let scratch = FeatureScratch()
        let withBlock = try #require(classifier.logits(for: text, scratch: scratch)).map { $0 }
        let plainScratch = FeatureScratch() // the logits point into it: keep it alive
        let without = try #require(ngrams.logits(for: text, scratch: plainScratch)).map { $0 }
        let s = try #require(contents.semantic)
        let ids = try s.tokenizer().encode(text)
        let d = s.dimensions
        var sum = [Float](repeating: 0, count: d)
        for id in ids where !s.specialIDs.contains(UInt32(id)) {
            for c in 0 ..< d { sum[c] += s.tableScales[id] * Float(s.tableValues[id * d + c]) }
        }
        let norm = sum.reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(norm > 0)
        for label in 0 ..< 3 {
            var dense: Float = 0
            for c in 0 ..< d { dense += s.weight * sum[c] / norm * s.denseWeights[c * contents.rowStride + label] }
            #expect(abs(withBlock[label] - without[label] - dense) < 1e-4, "label \(label)")
        }
        // A text of only special tokens has nothing to pool: n-gram scores only.
        let special = try #require(classifier.logits(for: "</s>", scratch: scratch)).map { $0 }
        #expect(special == (try #require(ngrams.logits(for: "</s>", scratch: plainScratch)).map { $0 }))
    }

    @Test func explanationShowsTheBlockAsOneTermThatSumsToTheLogit() throws {
        let classifier = try Classifier(contents: Self.sample())
        let e = try classifier.explanation(for: "ab dab ca")
        let blocks = e.contributions.filter { $0.bucket == nil }
        #expect(blocks.count == 1)
        #expect(abs(blocks[0].value - 0.75) < 1e-4)
        let total = e.bias + e.contributions.reduce(Float(0)) { $0 + $1.contribution }
        #expect(abs(total - e.logit) < 1e-4)
    }

    /// Mean pooling, and mean-and-max pooling with its second scale block.
    @Test(arguments: [false, true])
    func everyTruncationIsRejected(meanMax: Bool) throws {
        let bytes = try ModelFile.encode(meanMax ? SemanticPoolingTests.sample() : Self.sample())
        var failures: [Int] = []
        for length in Swift.stride(from: 0, to: bytes.count, by: 7) where (try? ModelFile.decode(Array(bytes.prefix(length)))) != nil {
            failures.append(length)
        }
        #expect(failures.isEmpty)
    }

    @Test func bitFlipsInTheBlockAreDetected() throws {
        let bytes = try ModelFile.encode(Self.sample())
        let storage = try ModelFile.decode(bytes)
        let start = bytes.count - storage.sizeBreakdown.semantic - 8
        for position in Swift.stride(from: start, to: bytes.count, by: 13) {
            var copy = bytes
            copy[position] ^= 0x10
            #expect(T.kind(T.error { _ = try ModelFile.decode(copy) }) == "checksumMismatch", "byte \(position)")
        }
    }

    /// Corrupt headers with valid checksums: each is `.inconsistent` with a reason, and huge
    /// claimed counts are refused before anything sized by them is allocated.
    @Test(arguments: [
        ("tokens", SemanticHeader.tokenCountOffset, UInt32.max, "cannot be held"),
        ("merges", SemanticHeader.mergeCountOffset, UInt32(1 << 30), "cannot be held"),
        ("specials", SemanticHeader.specialCountOffset, UInt32(1 << 31), "cannot be held"),
        ("dimensions", SemanticHeader.dimensionsOffset, UInt32(5), "token table"),
        ("huge dimensions", SemanticHeader.dimensionsOffset, UInt32.max, "dimensions"),
        ("zero weight", SemanticHeader.weightOffset, Float(0).bitPattern, "weight"),
        ("NaN weight", SemanticHeader.weightOffset, Float.nan.bitPattern, "weight"),
        ("encoding", SemanticHeader.encodingOffset, UInt32(2), "encoding"),
        ("reserved", SemanticHeader.encodingOffset, UInt32(0x0100_0001), "reserved"),
        ("flag", Layout.flagsOffset, UInt32(0), "semantic"),
        ("unknown flag", Layout.flagsOffset, UInt32(0b110), "unknown flags"),
    ] as [(String, Int, UInt32, String)])
    func inconsistentHeadersAreRefused(name: String, offset: Int, value: UInt32, reason: String) throws {
        let bytes = T.patched(try ModelFile.encode(Self.sample())) { T.put(value, at: offset, in: &$0) }
        let error = T.error { _ = try ModelFile.decode(bytes) }
        #expect(T.kind(error) == "inconsistent", "\(name): \(String(describing: error))")
        #expect(error?.description.contains(reason) == true, "\(name): \(String(describing: error))")
    }

    /// A bad vocabulary (a merge whose result is not a token, an empty token) or a non-finite
    /// table scale, each with a valid checksum.
    @Test func badVocabularyAndValuesAreRefused() throws {
        var contents = Self.sample()
        let bytes = try ModelFile.encode(contents)
        let storage = try ModelFile.decode(bytes)
        _ = storage
        contents.semantic!.mergePairs[1] = 3 // "▁" + "<0x00>" is not a token
        #expect(T.kind(T.error { _ = try ModelFile.encode(contents) }) == "inconsistent")
        // Patch the first merge's right id in the file itself.
        let s = Self.sample().semantic!
        let tokenBytes = s.tokens.reduce(0) { $0 + 4 + $1.utf8.count }
        let vocabularyStart = try #require(Self.sectionOffset(bytes, .vocabulary))
        let badMerge = T.patched(bytes) { T.put(UInt32(3), at: vocabularyStart + tokenBytes + 4, in: &$0) }
        #expect(T.error { _ = try ModelFile.decode(badMerge) }?.description.contains("merge 0") == true)
        let tableStart = try #require(Self.sectionOffset(bytes, .tokenTable))
        let badScale = T.patched(bytes) { T.put(Float.infinity.bitPattern, at: tableStart + 8, in: &$0) }
        #expect(T.error { _ = try ModelFile.decode(badScale) }?.description.contains("scale") == true)
        let emptyToken = T.patched(bytes) { T.put(UInt32(0), at: vocabularyStart, in: &$0) }
        #expect(T.kind(T.error { _ = try ModelFile.decode(emptyToken) }) == "inconsistent")
        // Token 0 is "<unk>" (5 bytes). A bad first byte decodes to U+FFFD and changes the byte
        // count; a truncated 4-byte sequence decodes to one U+FFFD, as long as the bytes it replaces.
        for bad: [UInt8] in [[0xFF], [0xF0, 0x9F, 0x98]] {
            let patched = T.patched(bytes) { $0.replaceSubrange(vocabularyStart + 4 ..< vocabularyStart + 4 + bad.count, with: bad) }
            let error = T.error { _ = try ModelFile.decode(patched) }
            #expect(T.kind(error) == "inconsistent")
            #expect(error?.description.contains("token 0 is not valid UTF-8") == true, "\(bad): \(String(describing: error))")
        }
    }

    static func sectionOffset(_ bytes: [UInt8], _ section: Layout.Section) -> Int? {
        bytes.withUnsafeBytes { raw in
            (try? ByteReader(raw).load(UInt64.self, at: section.tableOffset)).map { Int($0) }
        }
    }

    /// Pooling allocates nothing once the scratch has grown, and is what training uses.
    @Test func poolerMatchesTheLoadedModel() throws {
        let contents = Self.sample()
        let owned = try TokenPooler(try #require(contents.semantic))
        let classifier = try Classifier(contents: contents)
        let a = SemanticScratch(), b = SemanticScratch()
        for text in ["ab", "cab dab", "", "</s>", "ééé ☕"] {
            let x = owned.pool(text, into: a), y = try #require(classifier.pooler).pool(text, into: b)
            #expect(x == y)
            #expect((0 ..< 6).allSatisfy { a.pooled[$0] == b.pooled[$0] }, "\(text)")
        }
    }
}
