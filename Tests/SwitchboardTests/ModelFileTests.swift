import SwitchboardSupport
import Foundation
import Testing
@testable import Switchboard

/// Tests of the binary model file: XXH64, encode/decode, atomic writes, and rejection of bad input.
@Suite struct ModelFileTests {
    typealias Layout = ModelFileLayout

    // MARK: Fixtures

    /// 3 labels (one non-ASCII), 2^10 buckets: a ~37 KB file with IDF, ~33 KB without.
    static func sample(idf: Bool = true) -> ModelContents {
        let features = FeatureConfiguration(bucketBits: 10, useIDF: idf)
        let labels = ["alarm", "music", "café ☕"]
        let stride = ModelContents.rowStride(forLabels: labels.count)
        var weights = [Float](repeating: 0, count: features.bucketCount * stride)
        for bucket in 0 ..< features.bucketCount {
            for label in labels.indices { weights[bucket * stride + label] = Float(bucket * 3 + label) * 0.001 - 1 }
        }
        return ModelContents(labels: labels, features: features,
                             idf: idf ? (0 ..< features.bucketCount).map { 1 + Float($0) / 100 } : nil,
                             rowStride: stride, weights: weights, bias: [0.5, -0.25, 1e-3],
                             metadata: #"{"epochs":3,"note":"ünïcode"}"#)
    }

    static func sampleBytes(idf: Bool = true) throws -> [UInt8] { try ModelFile.encode(sample(idf: idf)) }

    /// Writes `value` little-endian at `position`.
    static func put<T: FixedWidthInteger>(_ value: T, at position: Int, in bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { for i in 0 ..< $0.count { bytes[position + i] = $0[i] } }
    }

    /// Applies `edit`, then recomputes the trailing checksum so that later checks are reached.
    static func patched(_ bytes: [UInt8], _ edit: (inout [UInt8]) -> Void) -> [UInt8] {
        var copy = bytes
        edit(&copy)
        put(XXH64.hash(Array(copy.dropLast(8))), at: copy.count - 8, in: &copy)
        return copy
    }

    /// The `ModelFileError` thrown by `body`, or nil when it succeeds (any other error is an issue).
    static func error(_ body: () throws -> Void) -> ModelFileError? {
        do { try body() } catch let error as ModelFileError { return error } catch { Issue.record("unexpected \(error)") }
        return nil
    }

    /// The error's case name (every case has a payload, so Mirror sees it as a child), or "success".
    static func kind(_ error: ModelFileError?) -> String {
        error.map { Mirror(reflecting: $0).children.first?.label ?? "?" } ?? "success"
    }

    static func withTemporaryDirectory(_ body: (String) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ModelFileTests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try body(directory)
    }

    // MARK: XXH64

    @Test func xxh64MatchesSpecVectors() {
        #expect(XXH64.hash("") == 0xEF46_DB37_51D8_E999)
        #expect(XXH64.hash("a") == 0xD24E_C4F1_A98C_6E5B)
        #expect(XXH64.hash("abc") == 0x44BC_2CF5_AD77_0999)
        #expect(XXH64.hash("The quick brown fox jumps over the lazy dog") == 0x0B24_2D36_1FDA_71BC)
    }

    /// Bytes 0, 1, 2, ... of every length that exercises a different path (tail of 1, 4, 8 bytes,
    /// exactly one stripe, stripes plus tail). Expected values come from an independent
    /// pure-Python implementation of the spec.
    @Test(arguments: [
        (1, 0xE934_A84A_DB05_2768, 0x5014_6076_43A9_B4C3), (3, 0xE5C7_BB45_33BC_65DD, 0x47AA_45ED_39ED_5541),
        (4, 0xFFCE_D860_4453_CC1E, 0xB8F1_A518_93FA_14E6), (7, 0x14CC_643F_630C_72D2, 0x13F3_1C4A_8E5F_8252),
        (8, 0x884A_1736_14B8_1B8D, 0xCB74_EF9D_044D_CF44), (12, 0x424A_F23F_1F08_DCA5, 0x360A_9AD6_5866_8EBC),
        (31, 0xC346_D2B5_9B4D_8EE1, 0x7196_9C89_A30A_986A), (32, 0xCBF5_9C51_16FF_32B4, 0x7181_3547_74E0_D600),
        (33, 0x0C53_5D1A_CAFB_8EAD, 0x57BD_8AD0_A039_0E6D), (63, 0xE26A_A9E2_A95F_8E4F, 0x8923_6204_5C7B_ADFB),
        (64, 0xF7C6_7301_DB67_13F0, 0x6E54_5403_B828_CF8B), (100, 0x6AC1_E580_3216_6597, 0x8832_442A_8828_4F11),
        (256, 0x1FAC_BE84_06CD_904B, 0xD481_95F4_5908_996C),
    ] as [(Int, UInt64, UInt64)])
    func xxh64MatchesIndependentImplementation(length: Int, unseeded: UInt64, seeded: UInt64) {
        let bytes = (0 ..< length).map { UInt8(truncatingIfNeeded: $0) }
        #expect(XXH64.hash(bytes) == unseeded)
        #expect(XXH64.hash(bytes, seed: 0x9E37_79B1) == seeded)
    }

    // MARK: Round trips

    @Test(arguments: [true, false])
    func roundTrip(idf: Bool) throws {
        let contents = Self.sample(idf: idf)
        let bytes = try ModelFile.encode(contents)
        #expect(Array(bytes.prefix(8)) == ModelFile.magic)
        #expect(bytes.count % 4 == 0 && bytes.count > 32 * 1024)
        let storage = try ModelFile.decode(bytes, source: "test")
        #expect(storage.contents() == contents)
        #expect(storage.labels == ["alarm", "music", "café ☕"])
        #expect(storage.formatVersion == 1 && storage.byteCount == bytes.count && storage.source == "test")
        #expect(storage.weights.count == 1024 * 8 && storage.bias.count == 3 && (storage.idf?.count ?? 0) == (idf ? 1024 : 0))
        for buffer in [storage.weights, storage.bias] + (storage.idf.map { [$0] } ?? []) {
            #expect(Int(bitPattern: buffer.baseAddress) % 64 == 0)
        }
        #expect(try ModelFile.encode(storage.contents()) == bytes) // deterministic
    }

    @Test(arguments: NGramNormalization.allCases)
    func normalizationIsHeaderByte47(normalization: NGramNormalization) throws {
        var contents = Self.sample()
        contents.features.normalization = normalization
        let bytes = try ModelFile.encode(contents)
        #expect(bytes[Layout.normalizationOffset] == normalization.rawValue && Layout.normalizationOffset == 47)
        #expect(try ModelFile.decode(bytes).contents().features.normalization == normalization)
    }

    @Test func encodeRejectsInvalidContents() {
        let edits: [(String, (inout ModelContents) -> Void)] = [
            ("no labels", { $0.labels = []; $0.bias = [] }), ("duplicate label", { $0.labels[1] = "alarm" }),
            ("empty label", { $0.labels[2] = "" }), ("bad features", { $0.features.bucketBits = 9 }),
            ("bad n-grams", { $0.features.wordNGramMax = 9 }), ("idf missing", { $0.idf = nil }),
            ("idf unexpected", { $0.features.useIDF = false }), ("idf count", { $0.idf?.removeLast() }),
            ("stride small", { $0.rowStride = 2 }), ("stride large", { $0.rowStride = 16 }),
            ("weights count", { $0.weights.removeLast() }), ("bias count", { $0.bias.append(0) }),
        ]
        for (name, edit) in edits {
            var contents = Self.sample()
            edit(&contents)
            let error = Self.error { _ = try ModelFile.encode(contents) }
            #expect(Self.kind(error) == "inconsistent", "\(name): \(String(describing: error))")
        }
    }

    // MARK: Files

    @Test func writeThenLoad() throws {
        try Self.withTemporaryDirectory { (directory: String) throws in
            let path = directory + "/model.swb"
            try ModelFile.write(Self.sample(), to: path)
            let storage = try ModelFile.load(path: path)
            #expect(storage.contents() == Self.sample())
            let expectedCount = try Self.sampleBytes().count
            #expect(storage.source == path && storage.byteCount == expectedCount)
            #expect(Int(bitPattern: storage.weights.baseAddress) % 64 == 0)
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["model.swb"])
        }
    }

    @Test func atomicWriteReplacesAndLeavesNoTemporaryFiles() throws {
        try Self.withTemporaryDirectory { (directory: String) throws in
            let path = directory + "/model.swb"
            try Data("not a model".utf8).write(to: URL(fileURLWithPath: path))
            try ModelFile.write(Self.sample(idf: false), to: path)
            let mapped = try ModelFile.load(path: path)
            try ModelFile.write(Self.sample(idf: true), to: path)
            #expect(try ModelFile.load(path: path).contents() == Self.sample(idf: true))
            #expect(mapped.contents() == Self.sample(idf: false)) // the old mapping is untouched
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["model.swb"])
        }
    }

    @Test func failedWritesCreateNothing() throws {
        try Self.withTemporaryDirectory { (directory: String) throws in
            let path = directory + "/missing/model.swb"
            let error = Self.error { try ModelFile.write(Self.sample(), to: path) }
            #expect(Self.kind(error) == "writeFailed" && error?.path == path)
            var invalid = Self.sample()
            invalid.bias = []
            let invalidError = Self.error { try ModelFile.write(invalid, to: directory + "/m.swb") }
            #expect(Self.kind(invalidError) == "inconsistent" && invalidError?.path == directory + "/m.swb")
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
        }
    }

    @Test func failedRenameRemovesTemporaryFile() throws {
        try Self.withTemporaryDirectory { (directory: String) throws in
            let path = directory + "/model.swb"
            try FileManager.default.createDirectory(atPath: path + "/inside", withIntermediateDirectories: true)
            let error = Self.error { try ModelFile.write(Self.sample(), to: path) } // rename over a non-empty directory
            #expect(Self.kind(error) == "writeFailed")
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["model.swb"])
            #expect(Self.kind(Self.error { try ModelFile.write(Self.sample(), to: directory + "/") }) == "writeFailed")
        }
    }

    @Test func unreadablePaths() throws {
        try Self.withTemporaryDirectory { (directory: String) throws in
            let missing = Self.error { _ = try ModelFile.load(path: directory + "/nope.swb") }
            #expect(Self.kind(missing) == "unreadable" && missing?.description.contains(directory + "/nope.swb") == true)
            #expect(Self.kind(Self.error { _ = try ModelFile.load(path: directory) }) == "unreadable")
            let fifo = directory + "/fifo"
            #expect(mkfifo(fifo, 0o600) == 0)
            #expect(Self.kind(Self.error { _ = try ModelFile.load(path: fifo) }) == "unreadable") // and does not hang
            let empty = directory + "/empty.swb"
            #expect(FileManager.default.createFile(atPath: empty, contents: Data()))
            #expect(Self.error { _ = try ModelFile.load(path: empty) } == .notAModelFile(path: empty))
        }
    }

    // MARK: Rejecting bad bytes

    @Test func wrongMagicEmptyAndFutureVersion() throws {
        let bytes = try Self.sampleBytes()
        #expect(Self.error { _ = try ModelFile.decode([]) } == .notAModelFile(path: "<memory>"))
        #expect(Self.error { _ = try ModelFile.decode(Self.patched(bytes) { $0[0] = UInt8(ascii: "X") }) }
            == .notAModelFile(path: "<memory>"))
        #expect(Self.error { _ = try ModelFile.decode(Array("hello world, not a model".utf8)) } == .notAModelFile(path: "<memory>"))
        let future = Self.patched(bytes) { Self.put(UInt32(3), at: Layout.versionOffset, in: &$0) }
        #expect(Self.error { _ = try ModelFile.decode(future, source: "f.swb") } == .unsupportedVersion(path: "f.swb", version: 3))
    }

    @Test func everyTruncationIsRejected() throws {
        let bytes = try Self.sampleBytes()
        var failures: [String] = []
        for length in 0 ..< bytes.count {
            let error = Self.error { _ = try ModelFile.decode(Array(bytes[..<length])) }
            let expected: ModelFileError = length < 8 ? .notAModelFile(path: "<memory>")
                : .truncated(path: "<memory>", expected: length < Layout.fileLengthOffset + 8 ? Layout.minimumFileSize : bytes.count,
                             actual: length)
            if error != expected { failures.append("\(length): \(String(describing: error))") }
        }
        #expect(failures.isEmpty, "\(failures.prefix(5))")
        let extended = bytes + [0]
        #expect(Self.error { _ = try ModelFile.decode(extended) } == .truncated(path: "<memory>", expected: bytes.count, actual: bytes.count + 1))
    }

    @Test func bitFlipsAreDetected() throws {
        let bytes = try Self.sampleBytes()
        let positions = Array(0 ..< Layout.headerSize + 64) + Array(stride(from: 200, to: bytes.count - 16, by: 61))
            + Array(bytes.count - 16 ..< bytes.count)
        var failures: [String] = []
        for position in positions {
            var copy = bytes
            copy[position] ^= 1 << UInt8(position % 8)
            let kind = Self.kind(Self.error { _ = try ModelFile.decode(copy) })
            let expected = switch position {
            case 0 ..< 8: "notAModelFile"
            case 8 ..< 12: "unsupportedVersion"
            case 16 ..< 24: "truncated"
            default: "checksumMismatch"
            }
            if kind != expected { failures.append("byte \(position): \(kind), expected \(expected)") }
        }
        #expect(failures.isEmpty, "\(failures.prefix(5))")
    }

    /// Header values that must be refused as `inconsistent` even with a valid checksum, including
    /// counts and lengths so large that trusting them would mean allocating gigabytes.
    static let corruptions: [(String, @Sendable (inout [UInt8]) -> Void)] = {
        func u32(_ value: UInt32, _ at: Int) -> @Sendable (inout [UInt8]) -> Void { { put(value, at: at, in: &$0) } }
        func u64(_ value: UInt64, _ at: Int) -> @Sendable (inout [UInt8]) -> Void { { put(value, at: at, in: &$0) } }
        let weights = Layout.Section.weights.tableOffset, bias = Layout.Section.bias.tableOffset
        let labels = Layout.Section.labels.tableOffset, metadata = Layout.Section.metadata.tableOffset
        return [
            ("2^31 labels", u32(1 << 31, Layout.labelCountOffset)),
            ("2^31 labels with matching stride", { put(UInt32(1 << 31), at: Layout.labelCountOffset, in: &$0)
                put(UInt32(1 << 31), at: Layout.rowStrideOffset, in: &$0) }),
            ("2^40 weights", u64(1 << 42, weights + 8)),
            ("weights offset overflows", u64(UInt64.max - 15, weights)), ("labels length overflows", u64(UInt64.max, labels + 8)),
            ("zero labels", u32(0, Layout.labelCountOffset)), ("two labels", u32(2, Layout.labelCountOffset)),
            ("header length", u32(200, Layout.headerLengthOffset)), ("unknown flag", u32(1 << 7, Layout.flagsOffset)),
            ("reserved", u32(1, Layout.reservedOffset)), ("boolean 2", { $0[Layout.booleansOffset] = 2 }),
            ("n-gram normalization 2", { $0[Layout.normalizationOffset] = 2 }),
            ("idf section without idf flag", { $0[Layout.booleansOffset + 2] = 0 }),
            ("hash id", u32(99, Layout.hashIDOffset)), ("bucket bits 30", u32(30, Layout.bucketBitsOffset)),
            ("bucket bits 2^32-1", u32(.max, Layout.bucketBitsOffset)), ("bucket bits 11", u32(11, Layout.bucketBitsOffset)),
            ("n-gram range", { $0[Layout.nGramOffset + 1] = 200 }), ("row stride", u32(16, Layout.rowStrideOffset)),
            ("misaligned bias", { let offset = $0[bias ..< bias + 8].withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
                put(offset + 4, at: bias, in: &$0) }),
            ("overlapping sections", { let offset = $0[weights ..< weights + 8]; $0.replaceSubrange(bias ..< bias + 8, with: offset) }),
            ("section inside header", u64(8, metadata)),
            ("section over checksum", { let offset = $0[weights ..< weights + 8].withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
                put(offset + 8, at: weights, in: &$0) }),
            ("empty label", u32(0, Layout.headerSize)), ("label past section", u32(1000, Layout.headerSize)),
            ("duplicate label", { $0.replaceSubrange(149 ..< 154, with: Array("alarm".utf8)) }),
            ("invalid UTF-8 label", { $0[141] = 0xFF }), ("invalid UTF-8 metadata", { $0[168] = 0xC3; $0[169] = 0x28 }),
        ]
    }()

    @Test func corruptHeadersWithValidChecksumsAreInconsistent() throws {
        let bytes = try Self.sampleBytes()
        #expect(Array(bytes[140 ..< 145]) == Array("alarm".utf8) && Array(bytes[149 ..< 154]) == Array("music".utf8))
        #expect(bytes[167] == UInt8(ascii: "{"))
        for (name, corrupt) in Self.corruptions {
            let error = Self.error { _ = try ModelFile.decode(Self.patched(bytes, corrupt)) }
            #expect(Self.kind(error) == "inconsistent", "\(name): \(String(describing: error))")
        }
    }

    /// Random header and label bytes with a valid checksum: any outcome but a crash is fine
    /// (some edits, such as clearing the fold-diacritics flag, give a valid model).
    @Test func randomHeaderEditsNeverCrash() throws {
        let bytes = try Self.sampleBytes()
        var state: UInt64 = 0x5EED // SplitMix64, so failures reproduce
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        for _ in 0 ..< 400 {
            let copy = Self.patched(bytes) { copy in
                for _ in 0 ... next() % 4 {
                    // Bytes 24..<170: everything after the file length, through the labels and into metadata.
                    copy[24 + Int(next() % 146)] = next() % 3 == 0 ? 0xFF : UInt8(truncatingIfNeeded: next())
                }
            }
            _ = Self.error { _ = try ModelFile.decode(copy).contents() }
        }
    }

    @Test func descriptionsNameThePath() {
        let errors: [ModelFileError] = [
            .unreadable(path: "/m/x.swb", reason: "No such file or directory"), .notAModelFile(path: "/m/x.swb"),
            .unsupportedVersion(path: "/m/x.swb", version: 7), .truncated(path: "/m/x.swb", expected: 100, actual: 50),
            .truncated(path: "/m/x.swb", expected: 100, actual: 150), .checksumMismatch(path: "/m/x.swb"),
            .inconsistent(path: "/m/x.swb", reason: "bad"), .writeFailed(path: "/m/x.swb", reason: "full"),
        ]
        for error in errors {
            #expect(error.description.contains("'/m/x.swb'") && !error.description.contains("\n"), "\(error)")
        }
    }
}
