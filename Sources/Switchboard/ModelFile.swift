#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads and writes Switchboard model files (format version 1).
///
/// ## Layout
/// All integers are little-endian and fixed width. Offsets and lengths are in bytes from the
/// start of the file. The fixed header is 136 bytes:
///
/// | offset | size | field |
/// |-------:|-----:|-------|
/// |   0 | 8 | magic `"SWBOARD\0"` (53 57 42 4F 41 52 44 00) |
/// |   8 | 4 | format version, UInt32 = 1 |
/// |  12 | 4 | header length, UInt32 = 136 |
/// |  16 | 8 | file length, UInt64: total size including the trailing checksum |
/// |  24 | 4 | flags, UInt32: no flag is defined in version 1, so it must be 0 |
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
/// |  47 | 1 | reserved, 0 |
/// |  48 | 4 | hash id, UInt32 = `FeatureConfiguration.hashID` |
/// |  52 | 4 | reserved, 0 (keeps the section table 8-byte aligned) |
/// |  56 | 16 | labels section: offset UInt64, length UInt64 |
/// |  72 | 16 | metadata section: offset, length |
/// |  88 | 16 | IDF section: offset, length (both 0 when use IDF is 0) |
/// | 104 | 16 | bias section: offset, length |
/// | 120 | 16 | weights section: offset, length |
///
/// The writer then lays the sections out in this order (the reader accepts any order that
/// fits, as long as sections lie between the header and the checksum and do not overlap):
/// - **labels** at offset 136: for each label, a UInt32 byte count (≥ 1) then that many bytes
///   of UTF-8. Labels are non-empty and unique; the section holds nothing else.
/// - **metadata** right after the labels: UTF-8 JSON text, no terminator.
/// - zero padding to a multiple of 64, then **IDF** (if present): `bucketCount` Float32.
/// - zero padding to a multiple of 64, then **bias**: `labelCount` Float32.
/// - zero padding to a multiple of 64, then **weights**: `bucketCount × rowStride` Float32,
///   feature-major (`weights[bucket * rowStride + label]`), padding columns zero.
/// - the last 8 bytes: XXH64 (seed 0) of every byte before them, UInt64.
///
/// Floats are IEEE-754 binary32, little-endian. Float sections start 64-byte aligned in the
/// file, and `mmap` returns page-aligned memory, so the loader uses them in place.
public enum ModelFile {
    /// The first 8 bytes of every model file: `"SWBOARD\0"`. Readable in a hex dump; the NUL
    /// makes text tools treat the file as binary and keeps the magic exactly 8 bytes.
    public static let magic: [UInt8] = Array("SWBOARD\0".utf8)
    /// The format version this build writes and the only one it reads.
    public static let currentVersion: UInt32 = 1

    /// Serializes `contents` to the version-1 byte format.
    ///
    /// Throws `ModelFileError.inconsistent` (path `"<memory>"`) if the contents are invalid:
    /// no labels, empty or duplicate labels, counts that do not match, a feature configuration
    /// with a `problem`, IDF present/absent against `features.useIDF` or of the wrong count,
    /// or `rowStride` other than `ModelContents.rowStride(forLabels:)`.
    public static func encode(_ contents: ModelContents) throws(ModelFileError) -> [UInt8] {
        if let reason = problem(in: contents) { throw .inconsistent(path: "<memory>", reason: reason) }
        typealias L = ModelFileLayout
        let labelBytes = contents.labels.map { Array($0.utf8) }
        let labelsLength = labelBytes.reduce(0) { $0 + 4 + $1.count }
        let metadata = Array(contents.metadata.utf8)
        let metadataOffset = L.headerSize + labelsLength
        var end = metadataOffset + metadata.count
        var idfSection = (offset: 0, length: 0)
        if let idf = contents.idf {
            idfSection = (L.aligned(end), idf.count * 4)
            end = idfSection.offset + idfSection.length
        }
        let biasSection = (offset: L.aligned(end), length: contents.bias.count * 4)
        let weightsSection = (offset: L.aligned(biasSection.offset + biasSection.length), length: contents.weights.count * 4)
        let fileLength = weightsSection.offset + weightsSection.length + L.checksumSize

        var w = ByteWriter(capacity: fileLength)
        w.append(bytes: magic)
        w.append(currentVersion)
        w.append(UInt32(L.headerSize))
        w.append(UInt64(fileLength))
        w.append(UInt32(0)) // flags
        w.append(UInt32(contents.labels.count))
        let f = contents.features
        w.append(UInt32(f.bucketBits))
        w.append(UInt32(contents.rowStride))
        for n in [f.wordNGramMin, f.wordNGramMax, f.charNGramMin, f.charNGramMax] { w.append(UInt8(n)) }
        for flag in [f.foldDiacritics, f.sublinearTF, f.useIDF] { w.append(UInt8(flag ? 1 : 0)) }
        w.append(UInt8(0)) // reserved
        w.append(FeatureConfiguration.hashID)
        w.append(UInt32(0)) // reserved
        for (offset, length) in [(L.headerSize, labelsLength), (metadataOffset, metadata.count), idfSection,
                                 biasSection, weightsSection] {
            w.append(UInt64(offset))
            w.append(UInt64(length))
        }
        assert(w.count == L.headerSize)
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
        w.pad(toMultipleOf: L.floatAlignment)
        w.append(floats: contents.weights)
        w.append(w.bytes.withUnsafeBytes { XXH64.hash($0) })
        assert(w.count == fileLength)
        return w.bytes
    }

    /// Writes `contents` to `path` atomically.
    ///
    /// The bytes go to a new temporary file in the same directory (`.NAME.tmp-PID-RANDOM`),
    /// which is flushed with `fsync` and then renamed over `path`. Readers therefore see either
    /// the old file or the complete new one, never a partial file, and a model that is already
    /// memory-mapped keeps its old contents. The temporary file is removed on any failure.
    /// If `path` is a symbolic link, the link itself is replaced by the new file.
    /// Throws `ModelFileError.inconsistent` for invalid contents and `.writeFailed` otherwise.
    public static func write(_ contents: ModelContents, to path: String) throws(ModelFileError) {
        let bytes: [UInt8]
        do {
            bytes = try encode(contents)
        } catch {
            if case .inconsistent(_, let reason) = error { throw .inconsistent(path: path, reason: reason) }
            throw error
        }
        try writeAtomically(bytes, to: path)
    }

    /// Writes `bytes` via a synced temporary file and `rename`.
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws(ModelFileError) {
        func failure(_ step: String, _ code: Int32) -> ModelFileError {
            .writeFailed(path: path, reason: "\(step): \(String(cString: strerror(code)))")
        }
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        guard !name.isEmpty, name != ".", name != ".." else {
            throw .writeFailed(path: path, reason: "the path names a directory, not a file")
        }
        let suffix = String(UInt64.random(in: 0 ... .max), radix: 16)
        let temporary = "\(directory).\(name).tmp-\(getpid())-\(suffix)"
        // 0o644: owner read/write, everyone else read (further limited by the umask), as for
        // any ordinary data file. O_EXCL: never reuse or follow an existing file.
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let code = errno // read before anything else can change it
            throw failure("cannot create a temporary file in '\(directory.isEmpty ? "." : directory)'", code)
        }
        var descriptor: Int32? = fd
        defer {
            if let open = descriptor { _ = close(open) }
        }
        do throws(ModelFileError) {
            var written = 0
            while written < bytes.count {
                let result = bytes.withUnsafeBytes { buffer -> Int in
                    guard let base = buffer.baseAddress else { return 0 }
                    return systemWrite(fd, base + written, buffer.count - written)
                }
                if result < 0 {
                    if errno == EINTR { continue }
                    throw failure("write", errno)
                }
                if result == 0 { throw ModelFileError.writeFailed(path: path, reason: "write made no progress") }
                written += result
            }
            if fsync(fd) != 0 { throw failure("fsync", errno) }
            descriptor = nil
            if close(fd) != 0 { throw failure("close", errno) }
            if rename(temporary, path) != 0 { throw failure("rename", errno) }
        } catch {
            _ = unlink(temporary) // the deferred close still runs if the descriptor is open
            throw error
        }
        // Make the rename itself durable. Best effort: some file systems refuse to fsync a
        // directory, and the destination already holds the complete new file either way.
        let directoryFD = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            _ = fsync(directoryFD)
            _ = close(directoryFD)
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
        if overflow || contents.weights.count != weightCount {
            return "\(contents.weights.count) weights, expected \(features.bucketCount) × \(contents.rowStride)"
        }
        if contents.bias.count != labels.count { return "\(contents.bias.count) biases for \(labels.count) labels" }
        return nil
    }
}

/// `write(2)`, named so it does not clash with `ModelFile.write(_:to:)`.
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, buffer, count)
    #else
    return Darwin.write(fd, buffer, count)
    #endif
}

/// Byte positions and sizes of the version-1 format (see `ModelFile`).
enum ModelFileLayout {
    /// Size of the fixed header; labels start right after it.
    static let headerSize = 136
    /// Size of the trailing XXH64 checksum.
    static let checksumSize = 8
    /// Smallest file that can hold a header and a checksum.
    static let minimumFileSize = headerSize + checksumSize
    /// Float sections start on multiples of 64 bytes: a cache line, and a multiple of the
    /// 32-byte SIMD alignment the row stride is designed for.
    static let floatAlignment = 64

    static let versionOffset = 8
    static let headerLengthOffset = 12
    static let fileLengthOffset = 16
    static let flagsOffset = 24
    static let labelCountOffset = 28
    static let bucketBitsOffset = 32
    static let rowStrideOffset = 36
    /// Four UInt8: word min, word max, char min, char max.
    static let nGramOffset = 40
    /// Three UInt8 booleans (fold, sublinear, IDF) then a reserved zero byte.
    static let booleansOffset = 44
    static let hashIDOffset = 48
    static let reservedOffset = 52
    /// Five (offset, length) UInt64 pairs, in `Section` order.
    static let sectionTableOffset = 56

    /// The sections, in section-table order.
    enum Section: Int, CaseIterable {
        case labels, metadata, idf, bias, weights
        /// Where this section's (offset, length) pair sits in the header.
        var tableOffset: Int { ModelFileLayout.sectionTableOffset + rawValue * 16 }
    }

    /// `value` rounded up to a multiple of `floatAlignment`.
    static func aligned(_ value: Int) -> Int { (value + floatAlignment - 1) & ~(floatAlignment - 1) }
}
