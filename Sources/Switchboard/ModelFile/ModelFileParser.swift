import SwitchboardSupport

extension ModelFile {
    /// Validates a whole model file held in `bytes` and extracts its values.
    ///
    /// Checks magic, version (1, 2 or 4), minimum size and the header's file length. Then, at the
    /// same time, the checksum, and every header value, section offset and length against the
    /// file size (with overflow-reporting arithmetic) before anything sized by the header is
    /// allocated, then the labels, metadata text and semantic block. A checksum mismatch is the
    /// error reported when there are several. Never traps on any input.
    static func parse(_ bytes: UnsafeRawBufferPointer, path: String) throws(ModelFileError) -> ParsedModel {
        var parser = ModelFileParser(bytes: bytes, path: path)
        try parser.checkEnvelope()
        // The checksum (one pass over every byte) and the rest of the checks read the file
        // independently, and every check guards its own reads, so on two cores they overlap.
        // A mismatch still wins over any other error, as if it had been checked first.
        let checker = UncheckedSendable(parser)
        let (matches, parsed) = ParallelFor.both({ checker.value.checksumMatches() },
                                                 { Result { () throws(ModelFileError) in try checker.value.contents() } })
        guard matches else { throw .checksumMismatch(path: path) }
        return try parsed.get()
    }
}

extension ModelFileParser {
    /// Everything after the envelope: the header, the section table, the labels, the metadata
    /// and the semantic block, each validated before the next relies on it.
    func contents() throws(ModelFileError) -> ParsedModel {
        let (features, flags) = try header()
        let sections = try sectionTable(features: features, flags: flags)
        guard let labelsRange = sections[.labels], let metadataRange = sections[.metadata],
              let biasRange = sections[.bias], let weightsRange = sections[.weights] else {
            throw inconsistent("missing section") // unreachable: every required section was stored
        }
        let (labelCount, stride) = try counts(labelsSection: labelsRange)
        try checkSizes(sections, features: features, labelCount: labelCount, stride: stride, int8: flags.int8)
        let names = try labels(in: labelsRange, count: labelCount)
        guard let metadata = String(validating: UnsafeRawBufferPointer(rebasing: bytes[metadataRange]), as: UTF8.self) else {
            throw inconsistent("metadata is not valid UTF-8")
        }
        let block = try semantic(sections, hasBlock: flags.semantic, rowStride: stride)
        return ParsedModel(labels: names, features: features, rowStride: stride, metadata: metadata,
                           formatVersion: version, headerSize: headerSize, labelsSection: labelsRange,
                           metadataSection: metadataRange, idf: sections[.idf], bias: biasRange, weights: weightsRange,
                           scales: sections[.scales], semantic: block)
    }
}

/// The steps of `ModelFile.parse`, each validating one part of the file before the next relies on it.
private struct ModelFileParser {
    typealias L = ModelFileLayout
    let bytes: UnsafeRawBufferPointer
    let path: String
    let reader: ByteReader
    var version: UInt32 = 0
    var headerSize = 0
    var checksumOffset = 0

    init(bytes: UnsafeRawBufferPointer, path: String) {
        self.bytes = bytes
        self.path = path
        reader = ByteReader(bytes)
    }

    func inconsistent(_ reason: String) -> ModelFileError { .inconsistent(path: path, reason: reason) }

    func field<T: FixedWidthInteger>(_ type: T.Type, _ position: Int) throws(ModelFileError) -> T {
        do { return try reader.load(type, at: position) } catch { throw inconsistent("header field at byte \(position) is outside the file") }
    }

    /// Magic, version, size and the header's file length (the checksum is `checksumMatches`).
    mutating func checkEnvelope() throws(ModelFileError) {
        let size = bytes.count
        guard size >= ModelFile.magic.count, ModelFile.magic.indices.allSatisfy({ bytes[$0] == ModelFile.magic[$0] }) else {
            throw .notAModelFile(path: path)
        }
        guard let version = try? reader.load(UInt32.self, at: L.versionOffset) else {
            throw .truncated(path: path, expected: L.minimumFileSize, actual: size)
        }
        guard ModelFile.supportedVersions.contains(version) else { throw .unsupportedVersion(path: path, version: version) }
        self.version = version
        headerSize = L.headerSize(version: version)
        let minimumSize = headerSize + L.checksumSize
        let claimedLength = try? reader.load(UInt64.self, at: L.fileLengthOffset)
        guard size >= minimumSize else {
            let claimed = claimedLength.flatMap { Int(exactly: $0) } ?? 0
            throw .truncated(path: path, expected: max(claimed, minimumSize), actual: size)
        }
        guard let fileLength = claimedLength, fileLength == UInt64(size) else {
            throw .truncated(path: path, expected: Int(clamping: claimedLength ?? 0), actual: size)
        }
        checksumOffset = size - L.checksumSize
    }

    /// Whether the XXH64 of every byte before the checksum equals the stored one (after
    /// `checkEnvelope`, which places the checksum inside the file).
    func checksumMatches() -> Bool {
        guard let stored = try? reader.load(UInt64.self, at: checksumOffset) else { return false }
        return XXH64.hash(UnsafeRawBufferPointer(rebasing: bytes[0 ..< checksumOffset])) == stored
    }

    /// The fixed header fields: header length, flags, reserved bytes and the feature configuration.
    func header() throws(ModelFileError) -> (FeatureConfiguration, (int8: Bool, semantic: Bool)) {
        let headerLength = try field(UInt32.self, L.headerLengthOffset)
        guard headerLength == headerSize else {
            throw inconsistent("header length \(headerLength), expected \(headerSize) for format version \(version)")
        }
        let flags = try field(UInt32.self, L.flagsOffset)
        if version == 1 && flags & L.int8WeightsFlag != 0 {
            throw inconsistent("flag bit 0 (int8 weights) is set, but format version 1 has no int8 weights")
        }
        let knownFlags = version >= 4 ? L.int8WeightsFlag | L.semanticFlag : L.int8WeightsFlag
        guard flags & ~knownFlags == 0 else { throw inconsistent("unknown flags 0x\(String(flags, radix: 16))") }
        guard try field(UInt32.self, L.reservedOffset) == 0 else { throw inconsistent("reserved header bytes are not zero") }
        return (try features(), (flags & L.int8WeightsFlag != 0, flags & L.semanticFlag != 0))
    }

    /// The feature configuration stored in the header.
    func features() throws(ModelFileError) -> FeatureConfiguration {
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
        let rawNormalization = try field(UInt8.self, L.normalizationOffset)
        guard let normalization = NGramNormalization(rawValue: rawNormalization) else {
            throw inconsistent("n-gram normalization \(rawNormalization), expected 0 (joint) or 1 (per family)")
        }
        let features = FeatureConfiguration(
            bucketBits: bucketBits, wordNGramMin: nGrams[0], wordNGramMax: nGrams[1],
            charNGramMin: nGrams[2], charNGramMax: nGrams[3],
            foldDiacritics: booleans[0], sublinearTF: booleans[1], useIDF: booleans[2], normalization: normalization)
        if let problem = features.problem { throw inconsistent("feature configuration: \(problem)") }
        return features
    }

    /// Every section between the header and the checksum, absent ones zero, none overlapping.
    func sectionTable(features: FeatureConfiguration, flags: (int8: Bool, semantic: Bool))
        throws(ModelFileError) -> [L.Section: Range<Int>] {
        var sections: [L.Section: Range<Int>] = [:]
        for section in L.Section.listed(inVersion: version) {
            let offset = try field(UInt64.self, section.tableOffset)
            let length = try field(UInt64.self, section.tableOffset + 8)
            if let absence = absenceRule(section, features: features, flags: flags) {
                guard offset == 0 && length == 0 else { throw inconsistent(absence) }
                continue
            }
            let (end, overflow) = offset.addingReportingOverflow(length)
            guard offset >= UInt64(headerSize), !overflow, end <= UInt64(checksumOffset) else {
                throw inconsistent("\(section) section (offset \(offset), length \(length)) does not fit in a \(bytes.count)-byte file")
            }
            sections[section] = Int(offset) ..< Int(end) // both ≤ size, so they fit in Int
        }
        let ordered = sections.sorted { ($0.value.lowerBound, $0.value.upperBound) < ($1.value.lowerBound, $1.value.upperBound) }
        for (first, second) in zip(ordered, ordered.dropFirst()) where first.value.upperBound > second.value.lowerBound {
            throw inconsistent("\(first.key) and \(second.key) sections overlap")
        }
        return sections
    }

    /// The message when `section` must be absent (offset and length zero) but is not; nil when it must be present.
    func absenceRule(_ section: L.Section, features: FeatureConfiguration, flags: (int8: Bool, semantic: Bool)) -> String? {
        if section == .idf && !features.useIDF { return "IDF section present but use IDF is off" }
        if section == .scales && !flags.int8 { return "scales section present but flag bit 0 (int8 weights) is clear" }
        if [.vocabulary, .tokenTable, .denseWeights].contains(section) && !flags.semantic {
            return "\(section) section present but flag bit 1 (semantic block) is clear"
        }
        return nil
    }

    /// The label count (checked against the labels section's bytes) and the row stride.
    func counts(labelsSection labelsRange: Range<Int>) throws(ModelFileError) -> (labels: Int, stride: Int) {
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
        return (labelCount, expectedStride)
    }

    /// Each numeric section holds exactly the values its counts say, aligned.
    func checkSizes(_ sections: [L.Section: Range<Int>], features: FeatureConfiguration, labelCount: Int,
                    stride: Int, int8: Bool) throws(ModelFileError) {
        if let idf = sections[.idf] { try checkFloats(.idf, idf, count: features.bucketCount) }
        if let bias = sections[.bias] { try checkFloats(.bias, bias, count: labelCount) }
        if let weights = sections[.weights] {
            try checkFloats(.weights, weights, count: features.bucketCount, stride, encoding: int8 ? .int8 : .float32)
        }
        if let scales = sections[.scales] { try checkFloats(.scales, scales, count: features.bucketCount) }
    }

    func checkFloats(_ section: L.Section, _ range: Range<Int>, count: Int, _ extra: Int = 1,
                     encoding: WeightEncoding = .float32) throws(ModelFileError) {
        let (values, overflow1) = count.multipliedReportingOverflow(by: extra)
        let (byteCount, overflow2) = values.multipliedReportingOverflow(by: encoding.bytesPerWeight)
        guard !overflow1, !overflow2, range.count == byteCount else {
            let expected = extra == 1 ? "\(count)" : "\(count) × \(extra)"
            throw inconsistent("\(section) section is \(range.count) bytes, expected \(expected) \(encoding) values")
        }
        guard range.lowerBound % L.floatAlignment == 0 else {
            throw inconsistent("\(section) section at offset \(range.lowerBound) is not \(L.floatAlignment)-byte aligned")
        }
    }

    /// Labels: UInt32 length + UTF-8, non-empty, unique, filling the section exactly.
    func labels(in labelsRange: Range<Int>, count labelCount: Int) throws(ModelFileError) -> [String] {
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
        return labels
    }

    /// The semantic block when the flag says there is one; otherwise its header fields must be zero.
    func semantic(_ sections: [L.Section: Range<Int>], hasBlock: Bool, rowStride: Int) throws(ModelFileError) -> ParsedSemantic? {
        if hasBlock { return try ModelFile.parseSemantic(reader, sections: sections, rowStride: rowStride, path: path) }
        if version >= 4 {
            for at in Swift.stride(from: SemanticHeader.offset, to: headerSize, by: 4) where try field(UInt32.self, at) != 0 {
                throw inconsistent("semantic header fields are not zero but flag bit 1 (semantic block) is clear")
            }
        }
        return nil
    }
}
