import Foundation
import Testing
@testable import Switchboard

/// Int8 models: the quantization rule, format version 2, and rejection of bad version-2 bytes.
@Suite struct QuantizedModelFileTests {
    typealias Layout = ModelFileLayout
    typealias T = ModelFileTests

    /// `ModelFileTests.sample` with bucket 5 all zero, quantized: a ~17 KB version-2 file.
    static func sample(idf: Bool = true) -> ModelContents {
        var contents = T.sample(idf: idf)
        for label in 0 ..< 3 { contents.weights[5 * contents.rowStride + label] = 0 }
        return contents.quantizedInt8()
    }

    static func sampleBytes(idf: Bool = true) throws -> [UInt8] { try ModelFile.encode(sample(idf: idf)) }

    /// The UInt64 at `position`.
    static func u64(_ bytes: [UInt8], _ position: Int) -> UInt64 {
        bytes[position ..< position + 8].withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
    }

    @Test func quantizationIsPerRowSymmetricInt8() throws {
        let float = T.sample()
        var zeroed = float
        for label in 0 ..< 3 { zeroed.weights[5 * float.rowStride + label] = 0 }
        let q = Self.sample()
        let quantized = try #require(q.quantized)
        #expect(q.weights.isEmpty && q.weightEncoding == .int8 && q.labels == float.labels && q.bias == float.bias)
        #expect(quantized.scales.count == 1024 && quantized.values.count == 1024 * 8)
        #expect(quantized.scales[5] == 0 && quantized.values[40 ..< 48].allSatisfy { $0 == 0 })
        for bucket in [0, 1, 6, 500, 1023] {
            let row = Array(zeroed.weights[bucket * 8 ..< bucket * 8 + 3])
            let largest = row.map(abs).max()!
            #expect(quantized.scales[bucket] == largest / 127)
            #expect(quantized.values[bucket * 8 ..< bucket * 8 + 3].map { abs(Int($0)) }.max() == 127)
            #expect(quantized.values[bucket * 8 + 3 ..< bucket * 8 + 8].allSatisfy { $0 == 0 }) // padding
            for label in 0 ..< 3 {
                let restored = quantized.scales[bucket] * Float(quantized.values[bucket * 8 + label])
                #expect(abs(restored - row[label]) <= quantized.scales[bucket] / 2 * 1.0001)
            }
        }
        #expect(q.quantizedInt8() == q) // already quantized: unchanged
    }

    @Test(arguments: [true, false])
    func roundTrip(idf: Bool) throws {
        let contents = Self.sample(idf: idf)
        let bytes = try ModelFile.encode(contents)
        #expect(bytes.count == contents.modelByteEstimate)
        #expect(Array(bytes[8 ..< 16]) == [2, 0, 0, 0, 152, 0, 0, 0] && bytes[Layout.flagsOffset] == 1)
        let storage = try ModelFile.decode(bytes, source: "q")
        #expect(storage.contents() == contents && storage.formatVersion == 2 && storage.weightEncoding == .int8)
        #expect(storage.weights.isEmpty)
        let quantized = try #require(storage.quantized)
        #expect(quantized.values.count == 1024 * 8 && quantized.scales.count == 1024)
        for address in [quantized.values.baseAddress.map(UnsafeRawPointer.init), quantized.scales.baseAddress.map(UnsafeRawPointer.init),
                        storage.bias.baseAddress.map(UnsafeRawPointer.init)] {
            #expect(Int(bitPattern: address) % 64 == 0)
        }
        let b = storage.sizeBreakdown
        #expect(b.header == 152 && b.weights == 8192 && b.scales == 4096 && b.idf == (idf ? 4096 : 0) && b.checksum == 8)
        #expect(b.header + b.labels + b.metadata + b.idf + b.bias + b.weights + b.scales + b.padding + b.checksum == bytes.count)
        #expect(try ModelFile.encode(storage.contents()) == bytes) // deterministic
        // A quarter of the float weights, plus the scales.
        #expect(try ModelFile.encode(T.sample(idf: idf)).count - bytes.count == 1024 * 8 * 3 - 4096)
    }

    @Test func writeThenLoadMapsInPlace() throws {
        try T.withTemporaryDirectory { (directory: String) throws in
            let path = directory + "/q.swb"
            try ModelFile.write(Self.sample(), to: path)
            let storage = try ModelFile.load(path: path)
            #expect(storage.contents() == Self.sample())
            #expect(Int(bitPattern: storage.quantized?.values.baseAddress) % 64 == 0)
            let float = try Classifier(contents: T.sample())
            let compact = Classifier(storage: storage)
            let scratch = FeatureScratch()
            for text in ["set an alarm", "play some music", "un café s'il vous plaît"] {
                let q = try #require(compact.logits(for: text, scratch: scratch)).map { $0 }
                let f = try #require(float.logits(for: text, scratch: scratch)).map { $0 }
                #expect(zip(q, f).allSatisfy { abs($0 - $1) < 0.05 }, "\(text): \(q) vs \(f)")
                #expect(compact.predict(text, scratch: scratch).labelIndex == q.indices.max { q[$0] < q[$1] })
            }
        }
    }

    @Test func encodeRejectsInvalidQuantizedContents() {
        let edits: [(String, (inout ModelContents) -> Void)] = [
            ("float weights too", { $0.weights = [1] }), ("values count", { $0.quantized?.values.removeLast() }),
            ("scales count", { $0.quantized?.scales.append(1) }), ("negative scale", { $0.quantized?.scales[3] = -1 }),
            ("NaN scale", { $0.quantized?.scales[0] = .nan }),
        ]
        for (name, edit) in edits {
            var contents = Self.sample()
            edit(&contents)
            #expect(T.kind(T.error { _ = try ModelFile.encode(contents) }) == "inconsistent", "\(name)")
        }
    }

    @Test func everyTruncationIsRejected() throws {
        let bytes = try Self.sampleBytes()
        var failures: [String] = []
        for length in 0 ..< bytes.count {
            let error = T.error { _ = try ModelFile.decode(Array(bytes[..<length])) }
            // Until the version is readable only the smallest (version-1) minimum is known.
            let minimum = length < Layout.versionOffset + 4 ? Layout.minimumFileSize : Layout.headerSizeV2 + 8
            let expected: ModelFileError = length < 8 ? .notAModelFile(path: "<memory>")
                : .truncated(path: "<memory>", expected: length < Layout.fileLengthOffset + 8 ? minimum : bytes.count,
                             actual: length)
            if error != expected { failures.append("\(length): \(String(describing: error))") }
        }
        #expect(failures.isEmpty, "\(failures.prefix(5))")
    }

    @Test func versionsAndFlags() throws {
        let v2 = try Self.sampleBytes(), v1 = try T.sampleBytes()
        for version: UInt32 in [0, 3, 7] {
            let bytes = T.patched(v2) { T.put(version, at: Layout.versionOffset, in: &$0) }
            #expect(T.error { _ = try ModelFile.decode(bytes) } == .unsupportedVersion(path: "<memory>", version: version))
        }
        let v1WithInt8Flag = T.patched(v1) { T.put(UInt32(1), at: Layout.flagsOffset, in: &$0) }
        let error = T.error { _ = try ModelFile.decode(v1WithInt8Flag) }
        #expect(T.kind(error) == "inconsistent" && error?.description.contains("version 1") == true)
        #expect(ModelFileError.unsupportedVersion(path: "m", version: 3).description.contains("versions 1, 2, 4"))
    }

    /// Version-2 header and scales-section damage with a valid checksum: all `inconsistent`, each
    /// for the reason named (a fragment of the message).
    static let corruptions: [(String, String, @Sendable (inout [UInt8]) -> Void)] = {
        let scales = Layout.Section.scales.tableOffset, weights = Layout.Section.weights.tableOffset
        func add(_ delta: Int64, at position: Int) -> @Sendable (inout [UInt8]) -> Void {
            { T.put(UInt64(bitPattern: Int64(bitPattern: u64($0, position)) + delta), at: position, in: &$0) }
        }
        return [
            ("misaligned scales", "not 64-byte aligned", add(-4, at: scales)),
            ("scales 4 bytes short", "expected 1024 float32 values", add(-4, at: scales + 8)),
            ("scales 64 bytes long", "overlap", add(64, at: scales + 8)),
            ("scales 2^40 bytes", "does not fit", { T.put(UInt64(1) << 40, at: scales + 8, in: &$0) }),
            ("scales offset overflows", "does not fit", { T.put(UInt64.max - 7, at: scales, in: &$0) }),
            ("scales overlap weights", "overlap", { let w = u64($0, weights); T.put(w, at: scales, in: &$0) }),
            ("scales inside header", "does not fit", { T.put(UInt64(64), at: scales, in: &$0) }),
            ("scales absent", "does not fit", { T.put(UInt64(0), at: scales, in: &$0); T.put(UInt64(0), at: scales + 8, in: &$0) }),
            ("int8 flag cleared", "flag bit 0", { T.put(UInt32(0), at: Layout.flagsOffset, in: &$0) }),
            ("unknown flag bit 1", "unknown flags 0x3", { T.put(UInt32(3), at: Layout.flagsOffset, in: &$0) }),
            ("version-1 header length", "header length 136", { T.put(UInt32(136), at: Layout.headerLengthOffset, in: &$0) }),
            ("float-sized weights", "does not fit", add(8192 * 3, at: weights + 8)),
            ("int8 weights 8 bytes short", "expected 1024 × 8 int8 values", add(-8, at: weights + 8)),
            ("labels inside the scales entry", "does not fit", { T.put(UInt64(136), at: Layout.Section.labels.tableOffset, in: &$0) }),
        ]
    }()

    @Test func corruptVersion2HeadersWithValidChecksumsAreInconsistent() throws {
        let bytes = try Self.sampleBytes()
        for (name, reason, corrupt) in Self.corruptions {
            let error = T.error { _ = try ModelFile.decode(T.patched(bytes, corrupt)) }
            #expect(T.kind(error) == "inconsistent" && error?.description.contains(reason) == true,
                    "\(name): \(String(describing: error))")
        }
    }

    /// The reader also takes a version-2 file without flag bit 0 (float weights, scales (0, 0)):
    /// built here from the version-1 file by growing the header by the 16-byte scales entry.
    @Test func version2WithFloatWeightsLoads() throws {
        let v1 = try T.sampleBytes()
        let idfOffset = Int(Self.u64(v1, Layout.Section.idf.tableOffset))
        #expect(v1[idfOffset - 16 ..< idfOffset].allSatisfy { $0 == 0 }) // padding that makes room
        var v2 = Array(v1[..<136]) + [UInt8](repeating: 0, count: 16) + v1[136 ..< idfOffset - 16] + v1[idfOffset...]
        T.put(UInt32(2), at: Layout.versionOffset, in: &v2)
        T.put(UInt32(152), at: Layout.headerLengthOffset, in: &v2)
        for section in [Layout.Section.labels, .metadata] {
            T.put(Self.u64(v2, section.tableOffset) + 16, at: section.tableOffset, in: &v2)
        }
        let storage = try ModelFile.decode(T.patched(v2) { _ in })
        #expect(storage.formatVersion == 2 && storage.weightEncoding == .float32 && storage.contents() == T.sample())
    }
}
