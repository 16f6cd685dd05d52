import Foundation
import Testing
@testable import Switchboard

/// The query rows of the bad-input matrix, through the whole prediction path of a
/// loaded model (features → weights → softmax), not just the tokenizer. Tokenizer-level cases
/// are also in `FeatureTests` (`emptyAndPunctuation`, `emojiSeparates`,
/// `diacriticsAndCombiningMarks`, `otherScripts`, `cjkGetsCharacterNGrams`, `largeQueryIsHandled`);
/// invalid UTF-8 on standard input is a command-line row (`HostileCLITests`), since a Swift
/// `String` is always valid Unicode.
@Suite struct HostileQueryTests {
    /// A float model with default features at 2^12 buckets and 4 labels, weights varying by
    /// bucket so that different features give different scores; int8 when `compact`.
    static func classifier(compact: Bool = false) throws -> Classifier {
        let features = FeatureConfiguration(bucketBits: 12)
        let labels = ["account", "billing", "bug", "other"]
        let stride = ModelContents.rowStride(forLabels: labels.count)
        var weights = [Float](repeating: 0, count: features.bucketCount * stride)
        for bucket in 0 ..< features.bucketCount {
            for label in labels.indices { weights[bucket * stride + label] = Float((bucket * 7 + label * 13) % 23) / 11 - 1 }
        }
        var contents = ModelContents(labels: labels, features: features,
                                     idf: (0 ..< features.bucketCount).map { 1 + Float($0 % 9) / 4 }, rowStride: stride,
                                     weights: weights, bias: [0.1, -0.1, 0.05, 0])
        if compact { contents = contents.quantizedInt8() }
        return try Classifier(contents: contents)
    }

    /// Checks the answer to `text` is well formed, and returns it.
    @discardableResult
    static func answer(_ c: Classifier, _ text: String, hasFeatures: Bool) -> Prediction {
        let scratch = FeatureScratch()
        let p = c.predict(text, scratch: scratch)
        let ranked = c.rankedHypotheses(for: text, maximumCount: 10, scratch: scratch)
        if hasFeatures {
            guard (0 ..< c.labels.count).contains(p.labelIndex) else {
                Issue.record("no answer for a text with features: \(text.prefix(40))")
                return p
            }
            #expect(p.probability.isFinite && p.probability > 0 && p.probability <= 1)
            #expect(ranked.count == c.labels.count && ranked.first?.label == c.labels[p.labelIndex])
            #expect(abs(ranked.reduce(0) { $0 + $1.probability } - 1) < 1e-4)
            #expect(c.predictedLabel(for: text) == c.labels[p.labelIndex])
        } else {
            #expect(p == Prediction(labelIndex: -1, probability: 0, runnerUpProbability: 0))
            #expect(ranked.isEmpty && c.predictedLabel(for: text) == nil)
            #expect(c.predictedLabelHypotheses(for: text, maximumCount: 3).isEmpty)
            #expect(c.routedLabel(for: text) == "unknown") // the unknown label, not a guess
            #expect(c.logits(for: text, scratch: scratch) == nil)
        }
        return p
    }

    @Test(arguments: [false, true])
    func emptyWhitespaceAndPunctuationHaveNoAnswer(compact: Bool) throws {
        let c = try Self.classifier(compact: compact)
        for text in ["", " ", "   \t\n\r\u{0B}\u{0C}", "\u{00A0}\u{2003}\u{3000}\u{2028}\u{FEFF}", "\0\0\0",
                     "?!... --- ***", "¿¡«»—–…•·", "\u{200B}\u{200D}\u{202E}\u{2066}", "''''", "’’"] {
            Self.answer(c, text, hasFeatures: false)
        }
    }

    @Test func emojiAloneHaveNoFeaturesAndBesideWordsChangeNothing() throws {
        let c = try Self.classifier()
        for text in ["🎉", "👩‍👩‍👧‍👦🏳️‍🌈", "🇫🇷🇯🇵", "😀😃😄😁😆" + String(repeating: "🙂", count: 1000), "1️⃣"] {
            // Keycap "1️⃣" is a digit with modifiers: the digit is a word; the others are symbols.
            Self.answer(c, text, hasFeatures: text == "1️⃣")
        }
        let plain = Self.answer(c, "reset my password", hasFeatures: true)
        #expect(Self.answer(c, "🔒reset 🙏my password😡😡", hasFeatures: true) == plain)
    }

    @Test func cjkAndRightToLeftScriptsAreAnswered() throws {
        let c = try Self.classifier()
        let x = c.extractor
        for text in ["我想退款", "パスワードをリセットしたい", "비밀번호를 재설정", "ขอคืนเงิน",
                     "أريد استرداد أموالي", "אני רוצה החזר כספי", "میں رقم واپس چاہتا ہوں"] {
            Self.answer(c, text, hasFeatures: true)
            #expect(x.features(of: text).count > 3, "\(text)")
        }
        // Bidirectional controls (RLE/PDF, RLO, isolates) are format characters: they separate
        // words and are dropped, so wrapping RTL text in them changes nothing.
        let arabic = "مرحبا بالعالم"
        #expect(Self.answer(c, "\u{202B}\(arabic)\u{202C}", hasFeatures: true)
            == Self.answer(c, arabic, hasFeatures: true))
        #expect(x.features(of: "\u{2067}\(arabic)\u{2069}").map(\.bucket) == x.features(of: arabic).map(\.bucket))
    }

    @Test func combiningMarksFoldOrStayInTheWord() throws {
        let c = try Self.classifier()
        let x = c.extractor
        // Precomposed and decomposed spellings are the same word under folding (the default).
        #expect(x.features(of: "caf\u{E9} cr\u{E8}me").map(\.bucket) == x.features(of: "cafe\u{301} cre\u{300}me").map(\.bucket))
        #expect(Self.answer(c, "cafe\u{301}", hasFeatures: true) == Self.answer(c, "café", hasFeatures: true))
        // Marks alone: part of a word, folded away, so no features; a mark after punctuation too.
        Self.answer(c, String(repeating: "\u{301}\u{302}\u{303}", count: 1000), hasFeatures: false)
        Self.answer(c, "!\u{301}", hasFeatures: false)
        // "Zalgo" text: every letter under dozens of marks is still the plain word.
        let zalgo = "h" + String(repeating: "\u{336}\u{34F}\u{489}", count: 40) + "i" + String(repeating: "\u{317}", count: 60)
        #expect(x.features(of: zalgo).map(\.bucket) == x.features(of: "hi").map(\.bucket))
        // Without folding, marks are kept as word characters, and nothing breaks.
        var unfolded = x.configuration
        unfolded.foldDiacritics = false
        #expect(!FeatureExtractor(unfolded).features(of: zalgo).isEmpty)
    }

    /// 1 MB queries of the worst shapes finish (no time limit asserted: the test runner's own
    /// timeout is the bound) with a valid answer, and the scratch is fine for a short query after.
    @Test(arguments: [false, true])
    func megabyteQueriesAreAnswered(compact: Bool) throws {
        let c = try Self.classifier(compact: compact)
        let scratch = FeatureScratch()
        var state: UInt64 = 42
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        let words = (0 ..< 100_000).map { _ in String((0 ..< 9).map { _ in Character(UnicodeScalar(UInt8(97 + next() % 26))) }) }
        let queries = [
            (String(repeating: "a", count: 1 << 20), true),               // one 1 MB word: 4M character n-grams
            (words.joined(separator: " "), true),                        // 100,000 distinct words
            (String(repeating: "我", count: 1 << 18) + String(repeating: "退款", count: 1 << 17), true), // 1.5 MB of CJK
            (String(repeating: "🎉", count: 1 << 18), false),             // 1 MB of emoji: no features
            (String(repeating: "\u{301}", count: 1 << 19), false),        // 1 MB of marks: one grapheme, no features
        ]
        for (query, hasFeatures) in queries {
            Self.answer(c, query, hasFeatures: hasFeatures)
            _ = c.predict(query, scratch: scratch)
            // Each n-gram family holds at most one entry per bucket.
            #expect(scratch.featureCount <= 2 * c.extractor.configuration.bucketCount)
        }
        #expect(c.predict("reset my password", scratch: scratch) == Self.answer(c, "reset my password", hasFeatures: true))
    }
}
