#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ModelFile {
    /// Memory-maps the model file at `path` (read-only, `MAP_PRIVATE`) and validates all of it
    /// (header, checksum, every count and offset, labels, feature configuration) before returning.
    /// The weights are then used in place in the mapping. Throws `ModelFileError`.
    ///
    /// Replace model files with `ModelFile.write` (which renames a new file into place): a file
    /// that is truncated in place while it is mapped can crash the reading process (SIGBUS).
    public static func load(path: String) throws(ModelFileError) -> ModelStorage {
        func unreadable(_ reason: String) -> ModelFileError { .unreadable(path: path, reason: reason) }
        // O_NONBLOCK so that opening a FIFO cannot hang; non-regular files are refused below.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw unreadable(String(cString: strerror(errno))) }
        defer { _ = close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw unreadable(String(cString: strerror(errno))) }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw unreadable("is a directory") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw unreadable("not a regular file") }
        guard let size = Int(exactly: info.st_size), size > 0 else { throw .notAModelFile(path: path) }
        guard let mapping = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0),
              mapping != MAP_FAILED else {
            throw unreadable("mmap failed: \(String(cString: strerror(errno)))")
        }
        let parsed: ParsedModel
        do throws(ModelFileError) {
            parsed = try parse(UnsafeRawBufferPointer(start: mapping, count: size), path: path)
        } catch {
            _ = munmap(mapping, size)
            throw error
        }
        #if _endian(big)
        let owned = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: ModelFileLayout.floatAlignment)
        owned.copyMemory(from: mapping, byteCount: size)
        _ = munmap(mapping, size)
        return ModelStorage(parsed, base: owned, byteCount: size, release: .deallocate, source: path)
        #else
        return ModelStorage(parsed, base: mapping, byteCount: size, release: .unmap, source: path)
        #endif
    }

    /// Validates `bytes` exactly as `load(path:)` validates a file, and loads them into an owned,
    /// 64-byte-aligned buffer. `source` names the bytes in errors and in `ModelStorage.source`.
    public static func decode(_ bytes: [UInt8], source: String = "<memory>") throws(ModelFileError) -> ModelStorage {
        // max(1, ...): never request a zero-byte allocation; empty input is rejected just below.
        let owned = UnsafeMutableRawPointer.allocate(byteCount: max(1, bytes.count), alignment: ModelFileLayout.floatAlignment)
        bytes.withUnsafeBytes { buffer in
            if let base = buffer.baseAddress { owned.copyMemory(from: base, byteCount: buffer.count) }
        }
        do throws(ModelFileError) {
            let parsed = try parse(UnsafeRawBufferPointer(start: owned, count: bytes.count), path: source)
            return ModelStorage(parsed, base: owned, byteCount: bytes.count, release: .deallocate, source: source)
        } catch {
            owned.deallocate()
            throw error
        }
    }
}

/// What `ModelFile.parse` found: plain values plus the byte ranges of the float sections.
struct ParsedModel {
    var labels: [String]
    var features: FeatureConfiguration
    var rowStride: Int
    var metadata: String
    var formatVersion: UInt32
    var idf: Range<Int>?
    var bias: Range<Int>
    var weights: Range<Int>
}

/// A validated, immutable model held in memory: either a read-only file mapping or an owned,
/// 64-byte-aligned buffer. The float buffers point into that memory and stay valid for the
/// lifetime of this object. Safe to share across threads (nothing in it ever changes).
public final class ModelStorage: @unchecked Sendable {
    /// Label names, index = class id.
    public let labels: [String]
    /// How text becomes features for this model.
    public let features: FeatureConfiguration
    /// Floats between the starts of consecutive weight rows.
    public let rowStride: Int
    /// The model's JSON metadata text.
    public let metadata: String
    /// The format version of the file the model came from.
    public let formatVersion: UInt32
    /// Size of the whole model file in bytes.
    public let byteCount: Int
    /// The path the model was loaded from, or the `source` given to `decode`.
    public let source: String
    /// `features.bucketCount * rowStride` weights, feature-major, 64-byte aligned, in place.
    public let weights: UnsafeBufferPointer<Float>
    /// One bias per label.
    public let bias: UnsafeBufferPointer<Float>
    /// `features.bucketCount` inverse document frequencies when `features.useIDF`, else nil.
    public let idf: UnsafeBufferPointer<Float>?

    /// How the memory behind `base` is given back.
    enum Release { case unmap, deallocate }
    private let base: UnsafeMutableRawPointer
    private let release: Release

    init(_ parsed: ParsedModel, base: UnsafeMutableRawPointer, byteCount: Int, release: Release, source: String) {
        func floats(_ range: Range<Int>) -> UnsafeBufferPointer<Float> {
            let start = base + range.lowerBound
            #if _endian(big)
            // The file is little-endian; swap in place (this memory is owned on big-endian hosts).
            for offset in Swift.stride(from: 0, to: range.count, by: 4) {
                let word = start.load(fromByteOffset: offset, as: UInt32.self)
                start.storeBytes(of: UInt32(littleEndian: word), toByteOffset: offset, as: UInt32.self)
            }
            #endif
            return UnsafeBufferPointer(start: UnsafeRawPointer(start).bindMemory(to: Float.self, capacity: range.count / 4),
                                       count: range.count / 4)
        }
        labels = parsed.labels
        features = parsed.features
        rowStride = parsed.rowStride
        metadata = parsed.metadata
        formatVersion = parsed.formatVersion
        self.byteCount = byteCount
        self.source = source
        weights = floats(parsed.weights)
        bias = floats(parsed.bias)
        idf = parsed.idf.map(floats)
        self.base = base
        self.release = release
    }

    /// Copies everything out into plain values.
    public func contents() -> ModelContents {
        ModelContents(labels: labels, features: features, idf: idf.map { Array($0) }, rowStride: rowStride,
                      weights: Array(weights), bias: Array(bias), metadata: metadata)
    }

    deinit {
        switch release {
        case .unmap: _ = munmap(base, byteCount)
        case .deallocate: base.deallocate()
        }
    }
}

extension ModelFile {
    /// Validates a whole model file held in `bytes` and extracts its values.
    ///
    /// Checks, in order: magic, version, minimum size, the header's file length, the checksum,
    /// then every header value, section offset and length against the file size (with
    /// overflow-reporting arithmetic) before anything sized by the header is allocated, and
    /// finally the labels and metadata text. Never traps on any input.
    static func parse(_ bytes: UnsafeRawBufferPointer, path: String) throws(ModelFileError) -> ParsedModel {
        typealias L = ModelFileLayout
        func inconsistent(_ reason: String) -> ModelFileError { .inconsistent(path: path, reason: reason) }
        let reader = ByteReader(bytes)
        let size = bytes.count
        func field<T: FixedWidthInteger>(_ type: T.Type, _ position: Int) throws(ModelFileError) -> T {
            do { return try reader.load(type, at: position) } catch { throw inconsistent("header field at byte \(position) is outside the file") }
        }

        guard size >= magic.count, magic.indices.allSatisfy({ bytes[$0] == magic[$0] }) else {
            throw .notAModelFile(path: path)
        }
        guard let version = try? reader.load(UInt32.self, at: L.versionOffset) else {
            throw .truncated(path: path, expected: L.minimumFileSize, actual: size)
        }
        guard version == currentVersion else { throw .unsupportedVersion(path: path, version: version) }
        let claimedLength = try? reader.load(UInt64.self, at: L.fileLengthOffset)
        guard size >= L.minimumFileSize else {
            let claimed = claimedLength.flatMap { Int(exactly: $0) } ?? 0
            throw .truncated(path: path, expected: max(claimed, L.minimumFileSize), actual: size)
        }
        guard let fileLength = claimedLength, fileLength == UInt64(size) else {
            throw .truncated(path: path, expected: Int(clamping: claimedLength ?? 0), actual: size)
        }
        let checksumOffset = size - L.checksumSize
        let storedChecksum = try field(UInt64.self, checksumOffset)
        guard XXH64.hash(UnsafeRawBufferPointer(rebasing: bytes[0 ..< checksumOffset])) == storedChecksum else {
            throw .checksumMismatch(path: path)
        }

        // Fixed header fields.
        let headerLength = try field(UInt32.self, L.headerLengthOffset)
        guard headerLength == L.headerSize else { throw inconsistent("header length \(headerLength), expected \(L.headerSize)") }
        let flags = try field(UInt32.self, L.flagsOffset)
        guard flags == 0 else { throw inconsistent("unknown flags 0x\(String(flags, radix: 16))") }
        guard try field(UInt8.self, L.booleansOffset + 3) == 0, try field(UInt32.self, L.reservedOffset) == 0 else {
            throw inconsistent("reserved header bytes are not zero")
        }
        var booleans: [Bool] = []
        for (index, name) in ["fold diacritics", "sublinear TF", "use IDF"].enumerated() {
            let value = try field(UInt8.self, L.booleansOffset + index)
            guard value <= 1 else { throw inconsistent("\(name) flag is \(value), expected 0 or 1") }
            booleans.append(value == 1)
        }
        let hashID = try field(UInt32.self, L.hashIDOffset)
        guard hashID == FeatureConfiguration.hashID else { throw inconsistent("unknown hash function id \(hashID)") }
        let rawBucketBits = try field(UInt32.self, L.bucketBitsOffset)
        guard let bucketBits = Int(exactly: rawBucketBits), FeatureConfiguration.bucketBitsRange.contains(bucketBits) else {
            throw inconsistent("bucket bits \(rawBucketBits) outside \(FeatureConfiguration.bucketBitsRange)")
        }
        var nGrams: [Int] = []
        for index in 0 ..< 4 { nGrams.append(Int(try field(UInt8.self, L.nGramOffset + index))) }
        let features = FeatureConfiguration(
            bucketBits: bucketBits, wordNGramMin: nGrams[0], wordNGramMax: nGrams[1],
            charNGramMin: nGrams[2], charNGramMax: nGrams[3],
            foldDiacritics: booleans[0], sublinearTF: booleans[1], useIDF: booleans[2])
        if let problem = features.problem { throw inconsistent("feature configuration: \(problem)") }

        // Section table: every section between the header and the checksum, no overlaps.
        var sections: [L.Section: Range<Int>] = [:]
        for section in L.Section.allCases {
            let offset = try field(UInt64.self, section.tableOffset)
            let length = try field(UInt64.self, section.tableOffset + 8)
            if section == .idf && !features.useIDF {
                guard offset == 0 && length == 0 else { throw inconsistent("IDF section present but use IDF is off") }
                continue
            }
            let (end, overflow) = offset.addingReportingOverflow(length)
            guard offset >= UInt64(L.headerSize), !overflow, end <= UInt64(checksumOffset) else {
                throw inconsistent("\(section) section (offset \(offset), length \(length)) does not fit in a \(size)-byte file")
            }
            sections[section] = Int(offset) ..< Int(end) // both ≤ size, so they fit in Int
        }
        let ordered = sections.sorted { ($0.value.lowerBound, $0.value.upperBound) < ($1.value.lowerBound, $1.value.upperBound) }
        for (first, second) in zip(ordered, ordered.dropFirst()) where first.value.upperBound > second.value.lowerBound {
            throw inconsistent("\(first.key) and \(second.key) sections overlap")
        }
        guard let labelsRange = sections[.labels], let metadataRange = sections[.metadata],
              let biasRange = sections[.bias], let weightsRange = sections[.weights] else {
            throw inconsistent("missing section") // unreachable: every required section was stored above
        }

        // Counts, each checked against the bytes that actually hold it before anything is allocated.
        let rawLabelCount = try field(UInt32.self, L.labelCountOffset)
        // Each label takes at least 5 bytes: a 4-byte length and one byte of text.
        guard rawLabelCount >= 1, let labelCount = Int(exactly: rawLabelCount), labelCount <= labelsRange.count / 5 else {
            throw inconsistent("\(rawLabelCount) labels cannot be held in a \(labelsRange.count)-byte labels section")
        }
        let rawRowStride = try field(UInt32.self, L.rowStrideOffset)
        let expectedStride = ModelContents.rowStride(forLabels: labelCount)
        guard Int(exactly: rawRowStride) == expectedStride else {
            throw inconsistent("row stride \(rawRowStride) for \(labelCount) labels, expected \(expectedStride)")
        }
        func checkFloats(_ section: L.Section, _ range: Range<Int>, count: Int, _ extra: Int = 1) throws(ModelFileError) {
            let (values, overflow1) = count.multipliedReportingOverflow(by: extra)
            let (byteCount, overflow2) = values.multipliedReportingOverflow(by: MemoryLayout<Float>.size)
            guard !overflow1, !overflow2, range.count == byteCount else {
                let expected = extra == 1 ? "\(count)" : "\(count) × \(extra)"
                throw inconsistent("\(section) section is \(range.count) bytes, expected \(expected) floats")
            }
            guard range.lowerBound % L.floatAlignment == 0 else {
                throw inconsistent("\(section) section at offset \(range.lowerBound) is not \(L.floatAlignment)-byte aligned")
            }
        }
        let idfRange = sections[.idf]
        if let idfRange { try checkFloats(.idf, idfRange, count: features.bucketCount) }
        try checkFloats(.bias, biasRange, count: labelCount)
        try checkFloats(.weights, weightsRange, count: features.bucketCount, expectedStride)

        // Labels: UInt32 length + UTF-8, non-empty, unique, filling the section exactly.
        var labelReader = ByteReader(UnsafeRawBufferPointer(rebasing: bytes[labelsRange]))
        var labels: [String] = []
        labels.reserveCapacity(labelCount)
        var seen = Set<String>()
        for index in 0 ..< labelCount {
            guard let length = try? labelReader.read(UInt32.self), length > 0, let byteCount = Int(exactly: length),
                  let raw = try? labelReader.readBytes(byteCount) else {
                throw inconsistent("label \(index) is empty or runs past the labels section")
            }
            guard let label = String(validating: raw, as: UTF8.self) else { throw inconsistent("label \(index) is not valid UTF-8") }
            guard seen.insert(label).inserted else { throw inconsistent("duplicate label \"\(label)\"") }
            labels.append(label)
        }
        guard labelReader.remaining == 0 else { throw inconsistent("\(labelReader.remaining) unused bytes after the last label") }
        guard let metadata = String(validating: UnsafeRawBufferPointer(rebasing: bytes[metadataRange]), as: UTF8.self) else {
            throw inconsistent("metadata is not valid UTF-8")
        }
        return ParsedModel(labels: labels, features: features, rowStride: expectedStride, metadata: metadata,
                           formatVersion: version, idf: idfRange, bias: biasRange, weights: weightsRange)
    }
}
