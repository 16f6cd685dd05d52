import SwitchboardSupport
import Foundation
import Testing
@testable import Switchboard

#if canImport(Glibc)
import Glibc
#endif

/// The model-file rows of the bad-input matrix that `ModelFileTests` and
/// `QuantizedModelFileTests` do not already cover. Covered there: empty file and wrong magic
/// and future version (`wrongMagicEmptyAndFutureVersion`, `unreadablePaths`), every truncation
/// length (`everyTruncationIsRejected`, float and int8), single-bit flips at chosen positions
/// (`bitFlipsAreDetected`), 2^31 labels and 2^40 weights in a real model's header
/// (`corruptHeadersWithValidChecksumsAreInconsistent`), a directory and a FIFO (`unreadablePaths`).
@Suite struct HostileModelTests {
    typealias Layout = ModelFileLayout
    typealias T = ModelFileTests

    /// SplitMix64, so that a failure names a reproducible position.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// 1,500 random single-bit flips anywhere in a float (v1) and an int8 (v2) model: each is
    /// refused, by the magic, version or length check in the header's first 24 bytes and by the
    /// checksum everywhere else.
    @Test(arguments: [false, true])
    func randomSingleBitFlipsAreAllDetected(int8: Bool) throws {
        let bytes = try int8 ? QuantizedModelFileTests.sampleBytes() : T.sampleBytes()
        var random = Random(state: int8 ? 2 : 1)
        var failures: [String] = []
        for _ in 0 ..< 1_500 {
            let position = Int(random.next() % UInt64(bytes.count)), bit = Int(random.next() % 8)
            var copy = bytes
            copy[position] ^= 1 << bit
            let kind = T.kind(T.error { _ = try ModelFile.decode(copy) })
            let expected = switch position {
            case 0 ..< 8: "notAModelFile"
            case 8 ..< 12: "unsupportedVersion" // 1 and 2 are two bits apart: one flip never swaps them
            case 16 ..< 24: "truncated"
            default: "checksumMismatch"
            }
            if kind != expected { failures.append("byte \(position) bit \(bit): \(kind), expected \(expected)") }
        }
        #expect(failures.isEmpty, "\(failures.prefix(5))")
    }

    /// A 144-byte file (a bare version-1 header and checksum) claiming 2^31 labels, 2^24 buckets
    /// and a 2^40-byte weights section is refused as inconsistent from memory and from disk: the
    /// loader checks every claim against the file size before it allocates anything sized by one.
    @Test func hugeClaimsInATinyFileAreRefused() throws {
        func header(labels: UInt32, weightsLength: UInt64) -> [UInt8] {
            var b = [UInt8](repeating: 0, count: Layout.minimumFileSize)
            b.replaceSubrange(0 ..< 8, with: ModelFile.magic)
            T.put(UInt32(1), at: Layout.versionOffset, in: &b)
            T.put(UInt32(Layout.headerSize), at: Layout.headerLengthOffset, in: &b)
            T.put(UInt64(b.count), at: Layout.fileLengthOffset, in: &b)
            T.put(labels, at: Layout.labelCountOffset, in: &b)
            T.put(UInt32(24), at: Layout.bucketBitsOffset, in: &b)
            T.put(UInt32(truncatingIfNeeded: ModelContents.rowStride(forLabels: Int(labels))), at: Layout.rowStrideOffset, in: &b)
            b.replaceSubrange(Layout.nGramOffset ..< Layout.nGramOffset + 4, with: [1, 2, 2, 4])
            T.put(FeatureConfiguration.hashID, at: Layout.hashIDOffset, in: &b)
            for section in [Layout.Section.labels, .metadata, .bias, .weights] {
                T.put(UInt64(Layout.headerSize), at: section.tableOffset, in: &b)
            }
            T.put(weightsLength, at: Layout.Section.weights.tableOffset + 8, in: &b)
            return T.patched(b) { _ in }
        }
        let claims = [header(labels: 1 << 31, weightsLength: 0), header(labels: 1, weightsLength: 1 << 40),
                      header(labels: .max, weightsLength: .max)]
        try T.withTemporaryDirectory { directory in
            for (index, bytes) in claims.enumerated() {
                #expect(T.kind(T.error { _ = try ModelFile.decode(bytes) }) == "inconsistent", "claim \(index)")
                let path = "\(directory)/claim\(index).model"
                try Data(bytes).write(to: URL(fileURLWithPath: path))
                let error = T.error { _ = try ModelFile.load(path: path) }
                #expect(T.kind(error) == "inconsistent" && error?.description.contains(path) == true, "\(String(describing: error))")
            }
        }
    }

    /// Files that cannot be read. `chmod 000` does not stop root (these tests run as root in CI),
    /// so as root the unreadable cases are a path through a regular file (ENOTDIR) and a
    /// symbolic-link loop (ELOOP); otherwise a mode-000 file (EACCES) as well.
    @Test func unreadableModelFiles() throws {
        try T.withTemporaryDirectory { directory in
            let model = "\(directory)/model"
            try ModelFile.write(T.sample(), to: model)
            let throughFile = T.error { _ = try ModelFile.load(path: "\(model)/inner.model") }
            #expect(throughFile == .unreadable(path: "\(model)/inner.model", reason: "Not a directory"))
            let loop = "\(directory)/loop"
            #expect(symlink(loop, loop) == 0)
            #expect(T.error { _ = try ModelFile.load(path: loop) }
                == .unreadable(path: loop, reason: "Too many levels of symbolic links"))
            #expect(chmod(model, 0) == 0)
            if getuid() == 0 {
                #expect(try ModelFile.load(path: model).labels == T.sample().labels) // root reads it anyway
            } else {
                #expect(T.error { _ = try ModelFile.load(path: model) } == .unreadable(path: model, reason: "Permission denied"))
            }
            #expect(T.kind(T.error { _ = try ModelFile.load(path: "/dev/null") }) == "unreadable") // not a regular file
        }
    }

    /// Label scores of `text` computed by hand with `features` (the extractor, IDF and weights
    /// the model file holds), independently of `Classifier`.
    static func handScores(_ storage: ModelStorage, _ text: String, features: FeatureConfiguration) -> [Float] {
        var scores = Array(storage.bias)
        for (bucket, value) in FeatureExtractor(features).features(of: text, idf: storage.idf.map(Array.init)) {
            for label in scores.indices { scores[label] += value * storage.weights[Int(bucket) * storage.rowStride + label] }
        }
        return scores
    }

    /// A model trained with another feature configuration (2^10 buckets, word unigrams only, no
    /// folding, raw counts, no IDF) loads, and predicts with the configuration stored in its
    /// file, not the defaults: its scores match a hand computation with the stored configuration
    /// and differ from one with the default configuration, and unfolded "café" ≠ "cafe".
    @Test func predictionsUseTheModelsOwnFeatureConfiguration() throws {
        let odd = FeatureConfiguration(bucketBits: 10, wordNGramMin: 1, wordNGramMax: 1, charNGramMin: 0, charNGramMax: 0,
                                       foldDiacritics: false, sublinearTF: false, useIDF: false)
        var contents = T.sample(idf: false)
        contents.features = odd
        try T.withTemporaryDirectory { directory in
            let path = "\(directory)/odd.model"
            try ModelFile.write(contents, to: path)
            let classifier = try Classifier(contentsOf: path)
            #expect(classifier.storage.features == odd && classifier.extractor.configuration == odd)
            let scratch = FeatureScratch()
            var differsFromDefaults = false
            for text in ["café au lait", "cafe au lait", "set an alarm for seven", "play music music music"] {
                let logits = try #require(classifier.logits(for: text, scratch: scratch).map(Array.init))
                let expected = Self.handScores(classifier.storage, text, features: odd)
                #expect(zip(logits, expected).allSatisfy { abs($0 - $1) <= 1e-4 * max(1, abs($1)) }, "\(text)")
                var defaults = FeatureConfiguration()
                defaults.bucketBits = odd.bucketBits // same table size, so only the extraction differs
                defaults.useIDF = false
                if Self.handScores(classifier.storage, text, features: defaults) != logits { differsFromDefaults = true }
            }
            #expect(differsFromDefaults)
            #expect(classifier.extractor.features(of: "café").map(\.bucket) != classifier.extractor.features(of: "cafe").map(\.bucket))
            // The default-features sample folds them together.
            let folded = try Classifier(contents: T.sample())
            #expect(folded.extractor.features(of: "café").map(\.bucket) == folded.extractor.features(of: "cafe").map(\.bucket))
            // Bucket counts from 2^10 to 2^14 all load and answer in range.
            for bits in [10, 12, 14] {
                var wide = T.sample(idf: false)
                wide.features.bucketBits = bits
                wide.weights = (0 ..< (1 << bits) * wide.rowStride).map { Float($0 % 11) / 10 - 0.5 }
                let c = try Classifier(contents: wide)
                #expect(c.storage.features.bucketCount == 1 << bits && (0 ..< 3).contains(c.predict("music", scratch: scratch).labelIndex))
            }
        }
    }

    /// A model whose IDF gives the character n-grams no weight (0, NaN, or values whose squares
    /// vanish) used to leave their family tag on the bucket, and prediction read rows gigabytes
    /// past the weights (found by the model fuzzer). Every such model must answer in range.
    @Test(arguments: [Float(0), .nan, 1e-30, -0.0])
    func characterNGramsWithoutWeightStillPredictInRange(charIDF: Float) throws {
        var contents = T.sample()
        contents.idf = [Float](repeating: charIDF, count: contents.features.bucketCount)
        let classifier = try Classifier(contents: contents)
        let scratch = FeatureScratch()
        for text in ["set an alarm", "play music", "café ☕", "?!", ""] {
            let label = classifier.predict(text, scratch: scratch).labelIndex
            #expect((-1 ..< contents.labels.count).contains(label), "\(text): \(label)")
        }
    }

    /// `weigh` clears the family tag on every path, also when the character n-grams weigh nothing.
    @Test func weighingClearsEveryFamilyTag() {
        let tag = FeatureExtractor.charFamilyTag
        for (charIDF, wordIDF) in [(Float(0), Float(1)), (.nan, 1), (0, 0), (1, 1)] {
            var buckets: [UInt32] = [3, 5 | tag, 7 | tag]
            var values: [Float] = [2, 1, 1]
            let idf = [Float](repeating: charIDF, count: 8).enumerated().map { $0.offset == 3 ? wordIDF : $0.element }
            idf.withUnsafeBufferPointer { idf in
                FeatureExtractor.weigh(values: &values, buckets: &buckets, count: 3, sublinearTF: true, idf: idf)
            }
            #expect(buckets == [3, 5, 7], "char IDF \(charIDF), word IDF \(wordIDF)")
        }
    }
}
