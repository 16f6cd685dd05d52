import Foundation
import Testing
@testable import Switchboard

/// Mean-and-max pooling: the pooled features, the scores they add, the file round trip, and
/// the rejection of a bad pooling byte or max scale (truncation: `SemanticModelFileTests`).
@Suite struct SemanticPoolingTests {
    typealias T = ModelFileTests

    /// `SemanticModelFileTests.sample` with mean-and-max pooling: max scales that differ from
    /// the table scales (as token IDF makes them) and dense weights for twice the dimensions.
    static func sample(dimensions d: Int = 6) -> ModelContents {
        var contents = SemanticModelFileTests.sample(dimensions: d)
        var s = contents.semantic!
        s.pooling = .meanMax
        s.maxScales = s.tableScales.enumerated().map { $1 * Float(1 + $0 % 3) / 2 }
        s.denseWeights = (0 ..< 2 * d * contents.rowStride).map { i in
            i % contents.rowStride < 3 ? Float(i % 7) * 0.2 - 0.5 : 0
        }
        contents.semantic = s
        return contents
    }

    /// The features the format defines, computed the long way: α·normalize(Σ scale·values),
    /// then max over tokens of maxScale·values.
    static func expectedFeatures(_ s: SemanticContents, text: String) throws -> [Float] {
        let d = s.dimensions
        var sum = [Float](repeating: 0, count: d), top = [Float](repeating: -.infinity, count: d)
        for id in try s.tokenizer().encode(text) where !s.specialIDs.contains(UInt32(id)) {
            for c in 0 ..< d {
                sum[c] += s.tableScales[id] * Float(s.tableValues[id * d + c])
                top[c] = max(top[c], s.maxScales[id] * Float(s.tableValues[id * d + c]))
            }
        }
        let norm = sum.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return sum.map { s.weight * $0 / norm } + top
    }

    @Test func roundTripKeepsThePoolingAndTheBytes() throws {
        let contents = Self.sample()
        let bytes = try ModelFile.encode(contents)
        let storage = try ModelFile.decode(bytes)
        #expect(storage.formatVersion == 4)
        #expect(storage.semantic?.pooling == .meanMax)
        #expect(storage.semantic?.featureCount == 12)
        #expect(storage.contents() == contents)
        #expect(try ModelFile.encode(storage.contents()) == bytes)
        #expect(bytes.count == contents.modelByteEstimate)
        // The mean-pooled sample is smaller by one padded scale block and d × stride dense floats.
        let mean = try ModelFile.encode(SemanticModelFileTests.sample())
        let scaleBlock = ModelFileLayout.aligned(4 * contents.semantic!.tokens.count)
        #expect(bytes.count - mean.count == scaleBlock + 6 * contents.rowStride * 4)
    }

    @Test func poolerGivesTheMeanThenTheMaximum() throws {
        let contents = Self.sample()
        let s = try #require(contents.semantic)
        let owned = try TokenPooler(s)
        let loaded = try #require(try Classifier(contents: contents).pooler)
        #expect(owned.featureCount == 12 && loaded.featureCount == 12)
        let a = SemanticScratch(), b = SemanticScratch()
        for text in ["ab", "cab dab", "d", "ééé ☕ ab"] {
            #expect(owned.pool(text, into: a) && loaded.pool(text, into: b))
            let expected = try Self.expectedFeatures(s, text: text)
            for f in 0 ..< 12 {
                #expect(abs(a.pooled[f] - expected[f]) < 1e-5, "\(text) feature \(f)")
                #expect(a.pooled[f] == b.pooled[f], "\(text) feature \(f)")
            }
        }
        // Nothing to pool: false, and all twelve features are zero (no -infinity left behind).
        #expect(!owned.pool("</s>", into: a))
        #expect((0 ..< 12).allSatisfy { a.pooled[$0] == 0 })
    }

    /// A finite but huge max scale overflows a maximum to infinity: nothing is pooled then,
    /// rather than an infinite feature reaching the scores.
    @Test func anOverflowingMaximumPoolsNothing() throws {
        var s = try #require(Self.sample().semantic)
        s.maxScales = s.maxScales.map { _ in Float.greatestFiniteMagnitude }
        let pooler = try TokenPooler(s)
        let scratch = SemanticScratch()
        #expect(!pooler.pool("cab dab", into: scratch))
        #expect((0 ..< 12).allSatisfy { scratch.pooled[$0] == 0 })
    }

    @Test func scoresAddEveryFeatureTimesItsDenseRow() throws {
        let contents = Self.sample()
        let s = try #require(contents.semantic)
        var plain = contents
        plain.semantic = nil
        let text = "cab dab"
        let scratch = FeatureScratch(), plainScratch = FeatureScratch()
        let withBlock = try #require(try Classifier(contents: contents).logits(for: text, scratch: scratch)).map { $0 }
        let without = try #require(try Classifier(contents: plain).logits(for: text, scratch: plainScratch)).map { $0 }
        let features = try Self.expectedFeatures(s, text: text)
        for label in 0 ..< 3 {
            var dense: Float = 0
            for f in 0 ..< 12 { dense += features[f] * s.denseWeights[f * contents.rowStride + label] }
            #expect(abs(withBlock[label] - without[label] - dense) < 1e-4, "label \(label)")
        }
    }

    @Test func badPoolingAndMaxScalesAreRefused() throws {
        let bytes = try ModelFile.encode(Self.sample())
        let unknown = T.patched(bytes) { T.put(UInt32(0x0000_0201), at: SemanticHeader.encodingOffset, in: &$0) }
        let error = T.error { _ = try ModelFile.decode(unknown) }
        #expect(T.kind(error) == "inconsistent" && error?.description.contains("pooling") == true, "\(String(describing: error))")
        // Mean pooling claimed over a mean-and-max file: the table and dense sizes no longer agree.
        let mean = T.patched(bytes) { T.put(UInt32(1), at: SemanticHeader.encodingOffset, in: &$0) }
        #expect(T.error { _ = try ModelFile.decode(mean) }?.description.contains("token table") == true)
        let tableStart = try #require(SemanticModelFileTests.sectionOffset(bytes, .tokenTable))
        let maxStart = tableStart + ModelFileLayout.aligned(4 * Self.sample().semantic!.tokens.count)
        let badMax = T.patched(bytes) { T.put(Float(-1).bitPattern, at: maxStart + 12, in: &$0) }
        #expect(T.error { _ = try ModelFile.decode(badMax) }?.description.contains("token 3 has a negative or non-finite max scale") == true)
        var missing = Self.sample()
        missing.semantic!.maxScales.removeLast()
        #expect(T.kind(T.error { _ = try ModelFile.encode(missing) }) == "inconsistent")
    }
}
