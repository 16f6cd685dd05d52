/// Reads and writes Switchboard model files (format versions 1, 2 and 4; version 4 adds the
/// semantic block, documented on `SemanticHeader`).
///
/// ## Layout
/// All integers are little-endian and fixed width. Offsets and lengths are in bytes from the
/// start of the file. Version 1 (float32 weights) has a 136-byte header; version 2 (int8
/// weights) is the same header with a sixth section entry, 152 bytes:
///
/// | offset | size | field |
/// |-------:|-----:|-------|
/// |   0 | 8 | magic `"SWBOARD\0"` (53 57 42 4F 41 52 44 00) |
/// |   8 | 4 | format version, UInt32: 1 or 2 |
/// |  12 | 4 | header length, UInt32 = 136 (version 1) or 152 (version 2) |
/// |  16 | 8 | file length, UInt64: total size including the trailing checksum |
/// |  24 | 4 | flags, UInt32: bit 0 = int8 weights (version 2 only); every other bit must be 0 |
/// |  28 | 4 | label count, UInt32, ≥ 1 |
/// |  32 | 4 | bucket bits, UInt32, in `FeatureConfiguration.bucketBitsRange` |
/// |  36 | 4 | row stride, UInt32 = `ModelContents.rowStride(forLabels:)` |
/// |  40 | 1 | word n-gram min, UInt8 |
/// |  41 | 1 | word n-gram max, UInt8 |
/// |  42 | 1 | char n-gram min, UInt8 |
/// |  43 | 1 | char n-gram max, UInt8 |
/// |  44 | 1 | fold diacritics, UInt8 0 or 1 |
/// |  45 | 1 | sublinear TF, UInt8 0 or 1 |
/// |  46 | 1 | use IDF, UInt8 0 or 1 |
/// |  47 | 1 | n-gram normalization, UInt8: 0 joint, 1 per family (`NGramNormalization`; readers before it was defined required 0, so they refuse 1) |
/// |  48 | 4 | hash id, UInt32 = `FeatureConfiguration.hashID` |
/// |  52 | 4 | reserved, 0 (keeps the section table 8-byte aligned) |
/// |  56 | 16 | labels section: offset UInt64, length UInt64 |
/// |  72 | 16 | metadata section: offset, length |
/// |  88 | 16 | IDF section: offset, length (both 0 when use IDF is 0) |
/// | 104 | 16 | bias section: offset, length |
/// | 120 | 16 | weights section: offset, length |
/// | 136 | 16 | version 2 only: scales section: offset, length (both 0 when flag bit 0 is clear) |
///
/// The writer then lays the sections out in this order (the reader accepts any order that
/// fits, as long as sections lie between the header and the checksum and do not overlap):
/// - **labels** right after the header: for each label, a UInt32 byte count (≥ 1) then that
///   many bytes of UTF-8. Labels are non-empty and unique; the section holds nothing else.
/// - **metadata** right after the labels: UTF-8 JSON text, no terminator.
/// - zero padding to a multiple of 64, then **IDF** (if present): `bucketCount` Float32.
/// - zero padding to a multiple of 64, then **bias**: `labelCount` Float32.
/// - with flag bit 0 only: zero padding to a multiple of 64, then **scales**: `bucketCount`
///   Float32, one per weight row.
/// - zero padding to a multiple of 64, then **weights**: `bucketCount × rowStride` values,
///   feature-major (`weights[bucket * rowStride + label]`), padding columns zero. Float32
///   without flag bit 0; with it, Int8 `q`, the weight being `scales[bucket] × q`.
/// - the last 8 bytes: XXH64 (seed 0) of every byte before them, UInt64.
///
/// Floats are IEEE-754 binary32, little-endian. Float and int8 sections start 64-byte aligned
/// in the file, and `mmap` returns page-aligned memory, so the loader uses them in place.
/// The writer produces version 1 for float weights (byte-identical to earlier builds) and
/// version 2 only for int8 weights; the reader accepts both, and a version-2 file without
/// flag bit 0 (float weights, no scales).
public enum ModelFile {
    /// The first 8 bytes of every model file: `"SWBOARD\0"`. Readable in a hex dump; the NUL
    /// makes text tools treat the file as binary and keeps the magic exactly 8 bytes.
    public static let magic: [UInt8] = Array("SWBOARD\0".utf8)
    /// The newest format version: this build reads versions 1, 2 and 4, and writes 1 for float
    /// weights, 2 for int8 weights and 4 for a model with a semantic block (see `SemanticHeader`).
    /// There is no version 3: 1, 2 and 4 differ in two bits each, so no single flipped bit turns
    /// one readable version into another.
    public static let currentVersion: UInt32 = 4
    /// The format versions this build reads.
    public static let supportedVersions: [UInt32] = [1, 2, 4]

    /// Serializes `contents`: format version 1 for float weights, 2 for int8 weights.
    ///
    /// Throws `ModelFileError.inconsistent` (path `"<memory>"`) if the contents are invalid:
    /// no labels, empty or duplicate labels, counts that do not match, a feature configuration
    /// with a `problem`, IDF present/absent against `features.useIDF` or of the wrong count,
    /// `rowStride` other than `ModelContents.rowStride(forLabels:)`, or int8 weights with float
    /// weights too, counts that do not match, or a negative or non-finite row scale.
    public static func encode(_ contents: ModelContents) throws(ModelFileError) -> [UInt8] {
        if let reason = problem(in: contents) { throw .inconsistent(path: "<memory>", reason: reason) }
        typealias L = ModelFileLayout
        let labelBytes = contents.labels.map { Array($0.utf8) }
        let metadata = Array(contents.metadata.utf8)
        let plan = L.plan(labelsLength: labelBytes.reduce(0) { $0 + 4 + $1.count }, metadataLength: metadata.count,
                          labelCount: contents.labels.count, features: contents.features,
                          encoding: contents.weightEncoding, semantic: contents.semantic.map { L.SemanticSizes($0) })

        var w = ByteWriter(capacity: plan.fileLength)
        w.append(bytes: magic)
        w.append(plan.version)
        w.append(UInt32(plan.headerSize))
        w.append(UInt64(plan.fileLength))
        w.append((contents.quantized == nil ? UInt32(0) : L.int8WeightsFlag) | (contents.semantic == nil ? 0 : L.semanticFlag))
        w.append(UInt32(contents.labels.count))
        let f = contents.features
        w.append(UInt32(f.bucketBits))
        w.append(UInt32(contents.rowStride))
        for n in [f.wordNGramMin, f.wordNGramMax, f.charNGramMin, f.charNGramMax] { w.append(UInt8(n)) }
        for flag in [f.foldDiacritics, f.sublinearTF, f.useIDF] { w.append(UInt8(flag ? 1 : 0)) }
        w.append(f.normalization.rawValue)
        w.append(FeatureConfiguration.hashID)
        w.append(UInt32(0)) // reserved
        for section in L.Section.listed(inVersion: plan.version) {
            w.append(UInt64(plan[section].offset))
            w.append(UInt64(plan[section].length))
        }
        if plan.version >= 4 { appendSemanticHeader(contents.semantic, to: &w) }
        assert(w.count == plan.headerSize)
        for label in labelBytes {
            w.append(UInt32(label.count))
            w.append(bytes: label)
        }
        w.append(bytes: metadata)
        if let idf = contents.idf {
            w.pad(toMultipleOf: L.floatAlignment)
            w.append(floats: idf)
        }
        w.pad(toMultipleOf: L.floatAlignment)
        w.append(floats: contents.bias)
        if let quantized = contents.quantized {
            w.pad(toMultipleOf: L.floatAlignment)
            assert(w.count == plan[.scales].offset)
            w.append(floats: quantized.scales)
            w.pad(toMultipleOf: L.floatAlignment)
            quantized.values.withUnsafeBytes { w.append(bytes: $0) }
        } else {
            w.pad(toMultipleOf: L.floatAlignment)
            w.append(floats: contents.weights)
        }
        if let semantic = contents.semantic { appendSemanticSections(semantic, to: &w) }
        assert(w.count + L.checksumSize == plan.fileLength)
        w.append(w.bytes.withUnsafeBytes { XXH64.hash($0) })
        return w.bytes
    }

    /// The size in bytes of the model file `encode` would write for a model with these labels,
    /// `metadataLength` bytes of metadata, `features` and weight encoding.
    public static func encodedByteCount(labels: [String], metadataLength: Int, features: FeatureConfiguration,
                                        encoding: WeightEncoding) -> Int {
        ModelFileLayout.plan(labelsLength: labels.reduce(0) { $0 + 4 + $1.utf8.count }, metadataLength: metadataLength,
                             labelCount: labels.count, features: features, encoding: encoding).fileLength
    }

    /// The largest bucket bits, at most `maximumBits`, whose model file (as `encodedByteCount`
    /// with `features` otherwise unchanged) is at most `budget` bytes; nil when even the
    /// smallest bucket count is too large.
    public static func largestBucketBits(fitting budget: Int, labels: [String], metadataLength: Int,
                                         features: FeatureConfiguration, encoding: WeightEncoding,
                                         maximumBits: Int = FeatureConfiguration.bucketBitsRange.upperBound) -> Int? {
        FeatureConfiguration.largestBucketBits(atMost: maximumBits) { bits in
            var candidate = features
            candidate.bucketBits = bits
            return encodedByteCount(labels: labels, metadataLength: metadataLength, features: candidate,
                                    encoding: encoding) <= budget
        }
    }

    /// The first reason `contents` cannot be encoded, or nil.
    static func problem(in contents: ModelContents) -> String? {
        let labels = contents.labels
        if labels.isEmpty { return "no labels" }
        // Minus 7: the row stride, `labels.count` rounded up to a multiple of 8, must fit in UInt32 too.
        if labels.count > Int(UInt32.max) - 7 { return "\(labels.count) labels is more than the format holds" }
        if let index = labels.firstIndex(where: \.isEmpty) { return "label \(index) is empty" }
        if let index = labels.firstIndex(where: { $0.utf8.count > Int(UInt32.max) }) { return "label \(index) is too long" }
        var seen = Set<String>()
        for label in labels where !seen.insert(label).inserted { return "duplicate label \"\(label)\"" }
        let features = contents.features
        if let problem = features.problem { return "feature configuration: \(problem)" }
        let expectedStride = ModelContents.rowStride(forLabels: labels.count)
        if contents.rowStride != expectedStride {
            return "row stride \(contents.rowStride) for \(labels.count) labels, expected \(expectedStride)"
        }
        switch (features.useIDF, contents.idf) {
        case (true, nil): return "features use IDF but no IDF values are given"
        case (false, .some): return "IDF values given but features do not use IDF"
        case (true, .some(let idf)) where idf.count != features.bucketCount:
            return "\(idf.count) IDF values, expected \(features.bucketCount)"
        default: break
        }
        let (weightCount, overflow) = features.bucketCount.multipliedReportingOverflow(by: contents.rowStride)
        if let quantized = contents.quantized {
            if !contents.weights.isEmpty { return "float weights given as well as int8 weights" }
            if overflow || quantized.values.count != weightCount {
                return "\(quantized.values.count) int8 weights, expected \(features.bucketCount) × \(contents.rowStride)"
            }
            if quantized.scales.count != features.bucketCount {
                return "\(quantized.scales.count) row scales, expected \(features.bucketCount)"
            }
            if let index = quantized.scales.firstIndex(where: { !($0 >= 0 && $0.isFinite) }) {
                return "row scale \(index) is \(quantized.scales[index]), expected a finite value ≥ 0"
            }
        } else if overflow || contents.weights.count != weightCount {
            return "\(contents.weights.count) weights, expected \(features.bucketCount) × \(contents.rowStride)"
        }
        if contents.bias.count != labels.count { return "\(contents.bias.count) biases for \(labels.count) labels" }
        return contents.semantic?.problem(rowStride: expectedStride)
    }
}

