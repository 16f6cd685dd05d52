import Switchboard
import Testing

/// Building a tokenizer finds each merge's result by guessing the last merge's result or the
/// next id and confirming the guess byte for byte, else by a hash lookup. Every path must give
/// the same tokenizer.
@Suite struct TokenizerBuildTests {
    private static let byteTokens = (0 ..< 256).map { "<0x" + ($0 < 16 ? "0" : "") + String($0, radix: 16, uppercase: true) + ">" }

    /// Tokens whose merges make "ab", "abc", "abcd", "▁abcd" in order (ids follow each other),
    /// "xy" twice (two merges, one result), then "xyx", "cd" and "ba" out of order. The guess for
    /// b + a is "cd", of the same length: only the bytes tell them apart.
    private static func pieces(order: [Int]? = nil) throws -> (tokenizer: BPETokenizer, names: [String]) {
        let words = ["\u{2581}", "a", "b", "c", "d", "x", "y", "ab", "abc", "abcd", "\u{2581}abcd", "xy", "ba", "cd", "xyx"]
        var tokens = ["<unk>", "<s>", "</s>"] + byteTokens + words
        if let order { tokens = order.map { tokens[$0] } }
        let id = { (t: String) in UInt32(tokens.firstIndex(of: t)!) }
        let merges = [("a", "b"), ("ab", "c"), ("abc", "d"), ("\u{2581}", "abcd"), ("x", "y"), ("x", "y"),
                      ("xy", "x"), ("c", "d"), ("b", "a")].map { (left: id($0.0), right: id($0.1)) }
        let t = try BPETokenizer(tokens: tokens, merges: merges, specialIDs: [id("<unk>"), id("<s>"), id("</s>")])
        return (t, tokens)
    }

    @Test func everyWayOfFindingAMergeResultGivesTheSameTokens() throws {
        let (inOrder, names) = try Self.pieces()
        let count = names.count
        // Reversed: no result follows the last one, so every merge takes the lookup.
        let (reversed, reversedNames) = try Self.pieces(order: Array((0 ..< count).reversed()))
        let texts = ["abcd", "abc ab", "xyxy", "ba cd", "dcba", "acab", "b a", "xyx abcd"]
        for text in texts {
            let expected = inOrder.encode(text).map { names[$0] }
            #expect(reversed.encode(text).map { reversedNames[$0] } == expected, "\(text)")
        }
        #expect(inOrder.encode("abcd").map { names[$0] } == ["\u{2581}abcd"])
        #expect(inOrder.encode("acab").map { names[$0] } == ["\u{2581}", "a", "c", "ab"])
        #expect(inOrder.encode("xyx").map { names[$0] } == ["\u{2581}", "xyx"])
    }

    @Test func aMergeWhoseResultIsNoTokenIsNamed() throws {
        var tokens = ["<unk>"] + Self.byteTokens + ["\u{2581}", "a", "b", "ab"]
        let merges: [(left: UInt32, right: UInt32)] = [(UInt32(tokens.count - 3), UInt32(tokens.count - 2)),
                                                       (UInt32(tokens.count - 2), UInt32(tokens.count - 3))]
        #expect(throws: BPETokenizer.BuildError.badMerge(index: 1, reason: "\"b\" + \"a\" is not a token")) {
            try BPETokenizer(tokens: tokens, merges: merges, specialIDs: [0])
        }
        tokens.append("ba")
        #expect(try BPETokenizer(tokens: tokens, merges: merges, specialIDs: [0]).tokenCount == tokens.count)
    }
}
