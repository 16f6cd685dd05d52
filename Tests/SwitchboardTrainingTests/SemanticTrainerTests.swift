import SwitchboardSupport
import Foundation
import Switchboard
import SwitchboardTraining
import Testing

/// The semantic block's trainer: determinism, the n-gram path left unchanged, PCA, and that the
/// block carries signal the n-grams lack.
@Suite struct SemanticTrainerTests {
    /// A small pack: byte tokens, "▁", the letters, and whole-word tokens for a few words, with
    /// seeded vectors in which synonyms ("refund"/"reimburse", "money"/"cash") share a direction.
    static func pack(dimensions: Int = 16) throws -> EmbeddingPack {
        var tokens = ["<unk>", "<s>", "</s>"]
        tokens += (0 ..< 256).map { "<0x" + (($0 < 16 ? "0" : "") + String($0, radix: 16, uppercase: true)) + ">" }
        tokens += ["▁"] + "abcdefghijklmnopqrstuvwxyz".map(String.init)
        let words = ["refund", "reimburse", "money", "cash", "password", "reset", "crash", "bug"]
        // Word tokens are built left to right from "▁" and letters; each step is one merge.
        var merges: [(left: UInt32, right: UInt32)] = []
        for word in words {
            var current = "▁"
            for letter in word {
                let next = current + String(letter)
                if !tokens.contains(next) {
                    tokens.append(next)
                    merges.append((UInt32(tokens.firstIndex(of: current)!), UInt32(tokens.firstIndex(of: String(letter))!)))
                }
                current = next
            }
        }
        var rng = SplitMix64(seed: 3)
        var vectors = (0 ..< tokens.count * dimensions).map { _ in Float(Int(rng.next() % 2001) - 1000) / 1000 }
        let topic = ["▁refund": 0, "▁reimburse": 0, "▁money": 1, "▁cash": 1, "▁password": 2, "▁reset": 2, "▁crash": 3, "▁bug": 3]
        for (token, axis) in topic {
            let id = tokens.firstIndex(of: token)!
            for d in 0 ..< dimensions { vectors[id * dimensions + d] = d == axis ? 5 : 0 }
        }
        let tokenizer = try BPETokenizer(tokens: tokens, merges: merges, specialIDs: [1, 2])
        return EmbeddingPack(name: "test-pack", source: "tests", license: "none", tokenizer: tokenizer,
                             dimensions: dimensions, vectors: vectors)
    }

    static func data() -> ([String], [String]) {
        let rows = [("refund my order", "refund"), ("i want my money back", "refund"), ("reset my password", "login"),
                    ("forgot password help", "login"), ("the app crash again", "bug"), ("found a bug", "bug")]
        let texts = (0 ..< 300).map { rows[$0 % rows.count].0 + " \($0 % 11)" }
        return (texts, (0 ..< 300).map { rows[$0 % rows.count].1 })
    }

    func train(threads: Int, reduction: TableReduction = .pca, dims: Int = 8,
               pooling: SemanticContents.Pooling = .mean, tokenIDF: Bool = SemanticSettings.defaultTokenIDF) throws -> ModelContents {
        var p = TrainingParameters()
        p.features.bucketBits = 12
        p.epochs = 4
        p.threads = threads
        let (texts, labels) = Self.data()
        let settings = SemanticSettings(pack: try Self.pack(), packChecksum: 0xABC, dimensions: dims, reduction: reduction,
                                        weight: 1, batchSize: 7, tokenIDF: tokenIDF, pooling: pooling)
        return try Trainer.train(texts: texts, labels: labels, parameters: p, semantic: settings).0
    }

    @Test(arguments: [TableReduction.pca, .truncate])
    func sameSeedSameBytesWhateverTheThreads(reduction: TableReduction) throws {
        let one = try ModelFile.encode(train(threads: 1, reduction: reduction))
        let two = try ModelFile.encode(train(threads: 2, reduction: reduction))
        #expect(one == two)
        let storage = try ModelFile.decode(one)
        #expect(storage.formatVersion == 4 && storage.semantic?.dimensions == 8)
        let metadata = try #require(try JSONSerialization.jsonObject(with: Data(storage.metadata.utf8)) as? [String: Any])
        #expect(metadata["embedding_pack"] as? String == "test-pack")
        #expect(metadata["embedding_pack_checksum"] as? String == "abc")
        #expect(metadata["embedding_reduction"] as? String == reduction.rawValue)
    }

    /// Mean-and-max pooling: same bytes on any thread count, twice the dense features, max
    /// scales without the token IDF folded into the table scales, and it learns the rows.
    @Test func meanMaxPoolingTrainsDeterministically() throws {
        let one = try train(threads: 1, reduction: .truncate, dims: 16, pooling: .meanMax, tokenIDF: true)
        #expect(try ModelFile.encode(one) == ModelFile.encode(try train(threads: 2, reduction: .truncate, dims: 16, pooling: .meanMax, tokenIDF: true)))
        let s = try #require(one.semantic)
        #expect(s.pooling == .meanMax && s.featureCount == 32 && s.denseWeights.count == 32 * one.rowStride)
        #expect(s.maxScales.count == s.tokens.count && s.maxScales != s.tableScales)
        let metadata = try #require(try JSONSerialization.jsonObject(with: Data(one.metadata.utf8)) as? [String: Any])
        #expect(metadata["embedding_pooling"] as? String == "mean-max")
        let classifier = try Classifier(contents: one)
        #expect(classifier.predictedLabel(for: "refund my order") == "refund")
        #expect(classifier.predictedLabel(for: "forgot password help") == "login")
    }

    @Test func withoutSemanticSettingsTheModelIsTheNGramModel() throws {
        var p = TrainingParameters()
        p.features.bucketBits = 12
        p.epochs = 3
        let (texts, labels) = Self.data()
        let plain = try Trainer.train(texts: texts, labels: labels, parameters: p).0
        let viaSemantic = try Trainer.train(texts: texts, labels: labels, parameters: p, semantic: nil).0
        #expect(try ModelFile.encode(plain) == ModelFile.encode(viaSemantic))
        #expect(plain.semantic == nil)
    }

    /// Synonyms never seen in training ("reimburse", "cash") are routed by the block alone.
    @Test func theBlockGeneralizesToUnseenSynonyms() throws {
        let classifier = try Classifier(contents: try train(threads: 2, reduction: .truncate, dims: 16))
        #expect(classifier.predictedLabel(for: "reimburse") == "refund")
        #expect(classifier.predictedLabel(for: "cash") == "refund")
        let e = try classifier.explanation(for: "reimburse")
        #expect(e.contributions.contains { $0.bucket == nil })
    }

    @Test func pcaKeepsTheLeadingOrthonormalAxes() throws {
        // Points spread along (1, 1, 0) much more than along (0, 0, 1); nothing along (1, -1, 0).
        var table: [Float] = []
        for i in 0 ..< 50 {
            let t = Float(i - 25) / 5, s = Float(i % 5 - 2) / 10
            table += [t, t, s]
        }
        let reduced = try TableReduction.pca.reduce(table, rows: 50, dimensions: 3, keep: 1)
        for i in 0 ..< 50 { #expect(abs(reduced[i] - (table[3 * i] + table[3 * i + 1]) / Float(2).squareRoot()) < 1e-3) }
        #expect(throws: ReductionError.self) { try TableReduction.pca.reduce(table, rows: 50, dimensions: 3, keep: 4) }
        #expect(try TableReduction.truncate.reduce(table, rows: 50, dimensions: 3, keep: 2).count == 100)
    }
}
