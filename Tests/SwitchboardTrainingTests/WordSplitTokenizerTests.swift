import Foundation
@testable import Switchboard
@testable import SwitchboardTraining
import Testing

/// Word-by-word BPE and its per-scratch word cache give exactly the ids of merging each
/// segment whole, and the split is refused for a vocabulary whose merges cross words.
struct WordSplitTokenizerTests {
    /// Random texts over an alphabet of letters the tiny merges use, spaces, a literal "▁",
    /// a byte-fallback scalar and a special token.
    static func randomTexts(count: Int, seed: UInt64) -> [String] {
        let pieces = ["a", "b", "c", "a", "b", " ", " ", "  ", "\u{2581}", "é", "<s>", "\t"]
        var state = seed
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: state >> 33)
        }
        return (0 ..< count).map { _ in (0 ..< next() % 14).map { _ in pieces[next() % pieces.count] }.joined() }
    }

    /// The ids of every text, through one reused scratch (so the word cache answers repeats).
    static func encodeAll(_ tokenizer: BPETokenizer, _ texts: [String]) -> [[UInt32]] {
        let scratch = TokenizerScratch()
        return texts.map { text in
            tokenizer.encode(text, into: scratch)
            return Array(scratch.tokenIDs)
        }
    }

    @Test func tinyTokenizerSplitsAtWordsAndMatchesWholeSegmentMerging() throws {
        let t = try EmbeddingTests.tinyTokenizer()
        #expect(t.splitsAtWords)
        let texts = Self.randomTexts(count: 2000, seed: 7)
        let whole = Self.encodeAll(t.withoutWordSplitting(), texts)
        #expect(Self.encodeAll(t, texts) == whole)
        #expect(Self.encodeAll(t, texts + texts) == whole + whole)  // the second pass comes from the cache
        #expect(texts.map { t.encode($0).map(UInt32.init) } == whole)  // a fresh scratch: no cache
    }

    @Test func aMergeAcrossWordsTurnsSplittingOff() throws {
        var tokens = ["<unk>", "<s>", "</s>"]
        tokens += (0 ..< 256).map { "<0x" + String($0, radix: 16, uppercase: true).leftPadded(to: 2) + ">" }
        tokens += ["\u{2581}", "a", "b", "a\u{2581}", "a\u{2581}b"]
        let id = { (t: String) in UInt32(tokens.firstIndex(of: t)!) }
        let merges = [("a", "\u{2581}"), ("a\u{2581}", "b")].map { (left: id($0.0), right: id($0.1)) }
        let t = try BPETokenizer(tokens: tokens, merges: merges, specialIDs: [0, 1, 2])
        #expect(!t.splitsAtWords)
        #expect(t.encode("a b").map { t.tokens[$0] } == ["\u{2581}", "a\u{2581}b"])
    }

    /// A scratch that one tokenizer filled gives another tokenizer its own ids (the cache is
    /// emptied when the tokenizer's identity changes, as after reloading another model).
    @Test func aScratchSharedByTwoTokenizersGivesEachItsOwnIDs() throws {
        let t = try EmbeddingTests.tinyTokenizer()
        // The same tokens in another order: every id differs, the words stay the same.
        let order = Array(t.tokens.indices.reversed())
        let position = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, UInt32($0)) })
        let other = try BPETokenizer(tokens: order.map { t.tokens[$0] },
                                     merges: t.merges.map { (left: position[Int($0.left)]!, right: position[Int($0.right)]!) },
                                     specialIDs: t.specialIDs.map { position[Int($0)]! })
        #expect(other.identity != t.identity && other.splitsAtWords)
        let texts = Self.randomTexts(count: 300, seed: 11)
        let scratch = TokenizerScratch()
        for text in texts + texts {
            for tokenizer in [t, other] {
                tokenizer.encode(text, into: scratch)
                #expect(Array(scratch.tokenIDs) == tokenizer.encode(text).map(UInt32.init), "\(text)")
            }
        }
        // Equal vocabularies have equal identities, so a reloaded model keeps the cache.
        #expect(try BPETokenizer(tokens: t.tokens, merges: t.merges, specialIDs: t.specialIDs).identity == t.identity)
    }

    @Test func evictedWordsAreMergedAgain() throws {
        let t = try EmbeddingTests.tinyTokenizer()
        // Far more distinct cacheable words than the cache has slots, twice over.
        var texts: [String] = []
        for n in 0 ..< 3 * 2 * WordCache.setCount {
            texts.append(String(n, radix: 3).map { $0 == "0" ? "a" : $0 == "1" ? "b" : "c" }.joined() + " ab")
        }
        let whole = Self.encodeAll(t.withoutWordSplitting(), texts)
        #expect(Self.encodeAll(t, texts + texts) == whole + whole)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: EmbeddingTests.packPath), "no embedding pack: run scripts/fetch-embeddings.sh"))
    func wordLlamaSplitsAtWordsAndMatchesWholeSegmentMerging() throws {
        let pack = try EmbeddingPack.load(path: EmbeddingTests.packPath)
        #expect(pack.tokenizer.splitsAtWords)
        let cases = try TokenizerReference.load(path: EmbeddingTests.fixtures + "/tokenizer-hard.jsonl")
        let texts = cases.map(\.text)
        let whole = Self.encodeAll(pack.tokenizer.withoutWordSplitting(), texts)
        #expect(whole == cases.map { $0.ids.map(UInt32.init) })
        #expect(Self.encodeAll(pack.tokenizer, texts + texts) == whole + whole)
    }
}
