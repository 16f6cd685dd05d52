import Foundation
import Testing
@testable import Switchboard

@Suite struct HashTests {
    @Test func fnvGoldenValues() {
        // Published FNV-1a 64-bit test vectors.
        #expect(FNV1a.hash("") == 0xcbf2_9ce4_8422_2325)
        #expect(FNV1a.hash("a") == 0xaf63_dc4c_8601_ec8c)
        #expect(FNV1a.hash("foobar") == 0x8594_4171_f739_67e8)
    }

    @Test func scalarStepMatchesUTF8Bytes() {
        for text in ["é", "☕", "日本", "😀", "a\u{301}"] {
            var h = FNV1a.offsetBasis
            for s in text.unicodeScalars { h = FNV1a.step(h, scalar: s.value) }
            #expect(h == FNV1a.hash(text), "\(text)")
        }
    }

    @Test func bucketGoldenValues() {
        // Pinned: changing these breaks every saved model (values computed independently in Python).
        let mask: UInt32 = (1 << 18) - 1
        #expect(FNV1a.bucket(FNV1a.hash("\u{1}reset password"), mask: mask) == 92933)
        #expect(FNV1a.bucket(FNV1a.hash("\u{2}<pa"), mask: mask) == 230657)
    }
}

@Suite struct TokenizerTests {
    func tokens(_ text: String, fold: Bool = true) -> [String] {
        var scalars = ScratchBuffer<UInt32>(capacity: 4)
        var ends = ScratchBuffer<Int32>(capacity: 4)
        defer { scalars.free(); ends.free() }
        TextNormalizer.tokenize(text, fold: fold, scalars: &scalars, tokenEnds: &ends)
        var out: [String] = []
        var begin = 0
        for t in 0..<ends.count {
            let end = Int(ends[t])
            var s = String.UnicodeScalarView()
            for i in begin..<end { s.append(Unicode.Scalar(scalars[i])!) }
            out.append(String(s))
            begin = end
        }
        return out
    }

    @Test func basicSplitAndLowercase() {
        #expect(tokens("Reset my PASSWORD, please!") == ["reset", "my", "password", "please"])
        #expect(tokens("error 404 on 2FA") == ["error", "404", "on", "2fa"])
        #expect(tokens("don't can’t") == ["dont", "cant"])
    }

    @Test func emptyAndPunctuation() {
        #expect(tokens("") == [])
        #expect(tokens("   \t\n ") == [])
        #expect(tokens("?!... ---") == [])
        #expect(tokens("'quoted'") == ["quoted"])
    }

    @Test func emojiSeparates() {
        #expect(tokens("refund😀now") == ["refund", "now"])
        #expect(tokens("😀😀") == [])
    }

    @Test func diacriticsAndCombiningMarks() {
        #expect(tokens("Café CRÈME") == ["cafe", "creme"])
        #expect(tokens("Café", fold: false) == ["café"])
        #expect(tokens("cafe\u{301}") == ["cafe"])          // combining acute dropped when folding
        #expect(tokens("cafe\u{301}", fold: false) == ["cafe\u{301}"])
        #expect(tokens("ΆΘΗΝΑ") == ["αθηνα"])
    }

    @Test func otherScripts() {
        #expect(tokens("我想退款") == ["我想退款"])                // no spaces: one token, char n-grams do the work
        #expect(tokens("Привет МИР") == ["привет", "мир"])
        #expect(tokens("مرحبا بالعالم") == ["مرحبا", "بالعالم"])
    }
}

@Suite struct FeatureExtractorTests {
    let config = FeatureConfiguration(bucketBits: 18, wordNGramMin: 1, wordNGramMax: 2, charNGramMin: 2, charNGramMax: 4,
                                      foldDiacritics: true, sublinearTF: true, useIDF: false)

    @Test(arguments: NGramNormalization.allCases)
    func featureListGolden(normalization: NGramNormalization) {
        let mask: UInt32 = (1 << 18) - 1
        func key(_ s: String) -> UInt32 { FNV1a.bucket(FNV1a.hash(s), mask: mask) }
        var c = config
        c.normalization = normalization
        let got = FeatureExtractor(c).features(of: "Hi hi!")
        // Words: "hi" twice, bigram "hi hi"; chars of "<hi>" twice: <h hi i> <hi hi> <hi>.
        let expected: [(String, Float)] = [("\u{1}hi", 2), ("\u{1}hi hi", 1),
                                           ("\u{2}<h", 2), ("\u{2}<hi", 2), ("\u{2}<hi>", 2),
                                           ("\u{2}hi", 2), ("\u{2}hi>", 2), ("\u{2}i>", 2)]
        #expect(got.count == expected.count)
        let tf2 = 1 + logf(2)
        let raw = expected.map { $0.1 == 2 ? tf2 : 1 }
        func length(_ r: ArraySlice<Float>) -> Float { r.reduce(0) { $0 + $1 * $1 }.squareRoot() }
        // Joint: one length. Per family: the two word entries and the six character entries
        // each have length 1/√2.
        let norms: [Float] = normalization == .joint ? Array(repeating: length(raw[...]), count: 8)
            : Array(repeating: length(raw[..<2]) * Float(2).squareRoot(), count: 2) + Array(repeating: length(raw[2...]) * Float(2).squareRoot(), count: 6)
        for (i, e) in expected.enumerated() where i < got.count {
            #expect(got[i].bucket == key(e.0), "\(e.0)")
            #expect(abs(got[i].value - raw[i] / norms[i]) < 1e-6)
        }
    }

    @Test func perFamilyKeepsABucketSharedByBothFamiliesAsTwoEntries() {
        // 1024 buckets: this many distinct words is sure to make word/char collisions.
        var c = config
        c.bucketBits = 10
        let text = (0 ..< 200).map { "w\($0)x" }.joined(separator: " ")
        let scratch = FeatureScratch()
        FeatureExtractor(c).extract(text, idf: nil, into: scratch)
        let words = scratch.wordFeatureCount
        let wordBuckets = Set(scratch.buckets[..<words]), charBuckets = Set(scratch.buckets[words...])
        #expect(wordBuckets.count == words && charBuckets.count == scratch.featureCount - words)
        #expect(!wordBuckets.isDisjoint(with: charBuckets))
        #expect(scratch.buckets.allSatisfy { $0 < 1024 }) // tags cleared
        func squares(_ r: Slice<UnsafeBufferPointer<Float>>) -> Float { r.reduce(0) { $0 + $1 * $1 } }
        #expect(abs(squares(scratch.values[..<words]) - 0.5) < 1e-5)
        #expect(abs(squares(scratch.values[words...]) - 0.5) < 1e-5)
        c.normalization = .joint
        FeatureExtractor(c).extract(text, idf: nil, into: scratch)
        #expect(Set(scratch.buckets).count == scratch.featureCount)
        #expect(abs(squares(scratch.values[...]) - 1) < 1e-5)
    }

    @Test func oneFamilyAloneHasUnitLength() {
        for (words, chars) in [(2, 0), (0, 4)] {
            let c = FeatureConfiguration(bucketBits: 12, wordNGramMin: words > 0 ? 1 : 0, wordNGramMax: words,
                                         charNGramMin: chars > 0 ? 2 : 0, charNGramMax: chars, normalization: .perFamily)
            let values = FeatureExtractor(c).features(of: "reset my password").map(\.value)
            #expect(abs(values.reduce(0) { $0 + $1 * $1 } - 1) < 1e-5)
        }
    }

    @Test func unitNormAndDeterministic() {
        let x = FeatureExtractor(config)
        let a = x.features(of: "I was charged twice for my subscription")
        let b = x.features(of: "I was charged twice for my subscription")
        #expect(a.map(\.bucket) == b.map(\.bucket))
        let norm = a.reduce(Float(0)) { $0 + $1.value * $1.value }
        #expect(abs(norm - 1) < 1e-5)
    }

    @Test func noFeaturesForEmptyText() {
        let x = FeatureExtractor(config)
        #expect(x.features(of: "").isEmpty)
        #expect(x.features(of: "?!?! 😀").isEmpty)
    }

    @Test func cjkGetsCharacterNGrams() {
        let got = FeatureExtractor(config).features(of: "我想退款")
        #expect(got.count > 5)
    }

    @Test func scratchReuseGivesSameFeatures() {
        let x = FeatureExtractor(config)
        let scratch = FeatureScratch()
        let long = String(repeating: "word\(1) another thing ", count: 300)
        x.extract(long, idf: nil, into: scratch)
        x.extract("reset password", idf: nil, into: scratch)
        let reused = Array(scratch.buckets)
        #expect(reused == x.features(of: "reset password").map(\.bucket))
    }

    @Test func largeQueryIsHandled() {
        let text = String(repeating: "abcdefghij ", count: 100_000) // ~1 MB
        let x = FeatureExtractor(config)
        let got = x.features(of: text)
        // The same word and character n-grams as three repetitions: same buckets, no bucket twice.
        let short = x.features(of: String(repeating: "abcdefghij ", count: 3))
        #expect(got.map(\.bucket).sorted() == short.map(\.bucket).sorted())
        #expect(Set(got.map(\.bucket)).count == got.count)
    }
}
