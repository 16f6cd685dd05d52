import Foundation
@testable import Switchboard
@testable import SwitchboardTraining
import Testing

/// Zip/inflate, safetensors, pack format and tokenizer. The WordLlama fixture test needs the
/// pack set-up converts (`scripts/fetch-embeddings.sh`); without it, it is skipped.
struct EmbeddingTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path
    static let packPath = EmbeddingPackLocation.defaultPath()

    /// A tiny tokenizer: specials, the 256 byte tokens, then a few pieces and merges.
    static func tinyTokenizer() throws -> BPETokenizer {
        var tokens = ["<unk>", "<s>", "</s>"]
        tokens += (0 ..< 256).map { "<0x" + String($0, radix: 16, uppercase: true).leftPadded(to: 2) + ">" }
        tokens += ["\u{2581}", "a", "b", "c", "ab", "\u{2581}ab", "aa", "\u{2581}a"]
        let id = { (t: String) in UInt32(tokens.firstIndex(of: t)!) }
        let merges = [("a", "b"), ("a", "a"), ("\u{2581}", "ab"), ("\u{2581}", "a")].map { (left: id($0.0), right: id($0.1)) }
        return try BPETokenizer(tokens: tokens, merges: merges, specialIDs: [0, 1, 2])
    }

    @Test func tinyTokenizerMergesByRankThenLeftmost() throws {
        let t = try Self.tinyTokenizer()
        func pieces(_ s: String) -> [String] { t.encode(s).map { t.tokens[$0] } }
        #expect(pieces("") == [])
        #expect(pieces("abc") == ["\u{2581}ab", "c"])        // a+b (rank 0) before ▁+a (rank 3)
        #expect(pieces("aaa") == ["\u{2581}", "aa", "a"])   // a+a (rank 1) leftmost, before ▁+a (rank 3)
        #expect(pieces("é") == ["\u{2581}", "<0xC3>", "<0xA9>"]) // byte fallback
        #expect(pieces("a<s>b") == ["\u{2581}a", "<s>", "\u{2581}", "b"])
        #expect(pieces(" ") == ["\u{2581}", "\u{2581}"])
    }

    @Test func tokenizerRejectsBadVocabularies() {
        #expect(throws: BPETokenizer.BuildError.self) { try BPETokenizer(tokens: ["a"], merges: [], specialIDs: []) }
        #expect(throws: BPETokenizer.BuildError.self) { try BPETokenizer(tokens: [], merges: [], specialIDs: []) }
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: packPath), "no embedding pack: run scripts/fetch-embeddings.sh"))
    func wordLlamaTokenizerMatchesReferenceOnHardStrings() throws {
        let pack = try EmbeddingPack.load(path: Self.packPath)
        let cases = try TokenizerReference.load(path: Self.fixtures + "/tokenizer-hard.jsonl")
        #expect(cases.count >= 300)
        let mismatches = TokenizerReference.mismatches(pack.tokenizer, cases)
        #expect(mismatches.isEmpty, "\(mismatches.prefix(3))")
    }

    @Test func zipMembersInflateAndCheckCRC() throws {
        let bytes = try EmbeddingImporter.readFile(Self.fixtures + "/tiny.zip")
        let zip = try ZipArchive(bytes: bytes, source: "tiny.zip")
        #expect(try zip.extract("hello.txt") == Array("hello, zip\n".utf8))
        #expect(try zip.extract("short.txt") == Array("abcabcabcabc".utf8))
        let stored = try zip.extract("words-stored.txt")
        #expect(stored.count == 20732)
        #expect(try zip.extract("words.txt") == stored)
        #expect(throws: EmbeddingError.self) { try zip.extract("missing.txt") }
        // Damage inside the deflated member: an inflate error or a CRC mismatch, never a crash.
        let entry = zip.entries.first { $0.name == "words.txt" }!
        for offset in stride(from: entry.localHeaderOffset + 50, to: entry.localHeaderOffset + 50 + entry.compressedSize - 10, by: 97) {
            var damaged = bytes
            damaged[offset] ^= 0x10
            #expect(throws: EmbeddingError.self) { try ZipArchive(bytes: damaged, source: "x").extract("words.txt") }
        }
        #expect(throws: EmbeddingError.self) { try ZipArchive(bytes: Array(bytes.prefix(100)), source: "x") }
    }

    @Test func safetensorsF16Widens() throws {
        #expect(SafeTensors.halfToFloat(0x3C00) == 1)
        #expect(SafeTensors.halfToFloat(0xC000) == -2)
        #expect(SafeTensors.halfToFloat(0x0001) == 0x1p-24)
        #expect(SafeTensors.halfToFloat(0x7C00) == .infinity)
        let header = Array(#"{"t":{"dtype":"F16","shape":[2,2],"data_offsets":[0,8]}}"#.utf8)
        var file = withUnsafeBytes(of: UInt64(header.count).littleEndian, Array.init) + header
        file += [0x00, 0x3C, 0x00, 0xC0, 0x00, 0x38, 0x00, 0x00]
        let m = try SafeTensors.readMatrix(file)
        #expect(m.rows == 2 && m.columns == 2 && m.values == [1, -2, 0.5, 0])
        #expect(throws: EmbeddingError.self) { try SafeTensors.readMatrix(Array(file.dropLast())) }
    }

    @Test func packRoundTripsAndRejectsDamage() throws {
        let tokenizer = try Self.tinyTokenizer()
        let dims = 4
        let vectors = (0 ..< tokenizer.tokens.count * dims).map { Float($0 % 17) / 8 - 1 }
        let pack = EmbeddingPack(name: "tiny", source: "test", license: "none", tokenizer: tokenizer, dimensions: dims, vectors: vectors)
        let bytes = pack.encoded()
        let back = try bytes.withUnsafeBytes { try EmbeddingPack.decode($0, path: "p") }
        #expect(back.vectors == vectors && back.tokenizer.tokens == tokenizer.tokens && back.name == "tiny")
        #expect(back.tokenizer.encode("abc") == tokenizer.encode("abc"))
        for length in stride(from: 0, to: bytes.count, by: 7) {
            #expect(throws: EmbeddingError.self) { try bytes.prefix(length).withUnsafeBytes { try EmbeddingPack.decode($0, path: "p") } }
        }
        for offset in stride(from: 0, to: bytes.count, by: 13) {
            var flipped = bytes
            flipped[offset] ^= 0x04
            #expect(throws: EmbeddingError.self) { try flipped.withUnsafeBytes { try EmbeddingPack.decode($0, path: "p") } }
        }
        var huge = bytes
        for i in 0 ..< 4 { huge[24 + i] = 0xFF }   // claims 4 billion tokens
        #expect(throws: EmbeddingError.self) { try huge.withUnsafeBytes { try EmbeddingPack.decode($0, path: "p") } }
    }
}
