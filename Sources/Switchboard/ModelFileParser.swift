extension ModelFile {
    /// Validates a whole model file held in `bytes` and extracts its values.
    ///
    /// Checks, in order: magic, version (1, 2 or 4), minimum size, the header's file length, the checksum,
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
        guard supportedVersions.contains(version) else { throw .unsupportedVersion(path: path, version: version) }
        let headerSize = L.headerSize(version: version)
        let minimumSize = headerSize + L.checksumSize
        let claimedLength = try? reader.load(UInt64.self, at: L.fileLengthOffset)
        guard size >= minimumSize else {
            let claimed = claimedLength.flatMap { Int(exactly: $0) } ?? 0
            throw .truncated(path: path, expected: max(claimed, minimumSize), actual: size)
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
        guard headerLength == headerSize else {
            throw inconsistent("header length \(headerLength), expected \(headerSize) for format version \(version)")
        }
        let flags = try field(UInt32.self, L.flagsOffset)
        if version == 1 && flags & L.int8WeightsFlag != 0 {
            throw inconsistent("flag bit 0 (int8 weights) is set, but format version 1 has no int8 weights")
        }
        let knownFlags = version >= 4 ? L.int8WeightsFlag | L.semanticFlag : L.int8WeightsFlag
        guard flags & ~knownFlags == 0 else { throw inconsistent("unknown flags 0x\(String(flags, radix: 16))") }
        let int8Weights = flags & L.int8WeightsFlag != 0
        let hasSemantic = flags & L.semanticFlag != 0
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
        for section in L.Section.listed(inVersion: version) {
            let offset = try field(UInt64.self, section.tableOffset)
            let length = try field(UInt64.self, section.tableOffset + 8)
            if section == .idf && !features.useIDF {
                guard offset == 0 && length == 0 else { throw inconsistent("IDF section present but use IDF is off") }
                continue
            }
            if section == .scales && !int8Weights {
                guard offset == 0 && length == 0 else { throw inconsistent("scales section present but flag bit 0 (int8 weights) is clear") }
                continue
            }
            if [.vocabulary, .tokenTable, .denseWeights].contains(section) && !hasSemantic {
                guard offset == 0 && length == 0 else { throw inconsistent("\(section) section present but flag bit 1 (semantic block) is clear") }
                continue
            }
            let (end, overflow) = offset.addingReportingOverflow(length)
            guard offset >= UInt64(headerSize), !overflow, end <= UInt64(checksumOffset) else {
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
        let idfRange = sections[.idf]
        if let idfRange { try checkFloats(.idf, idfRange, count: features.bucketCount) }
        try checkFloats(.bias, biasRange, count: labelCount)
        try checkFloats(.weights, weightsRange, count: features.bucketCount, expectedStride,
                        encoding: int8Weights ? .int8 : .float32)
        let scalesRange = sections[.scales]
        if let scalesRange { try checkFloats(.scales, scalesRange, count: features.bucketCount) }

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
        var semantic: ParsedSemantic?
        if hasSemantic {
            semantic = try parseSemantic(reader, sections: sections, rowStride: expectedStride, path: path)
        } else if version >= 4 {
            for at in Swift.stride(from: SemanticHeader.offset, to: headerSize, by: 4) where try field(UInt32.self, at) != 0 {
                throw inconsistent("semantic header fields are not zero but flag bit 1 (semantic block) is clear")
            }
        }
        return ParsedModel(labels: labels, features: features, rowStride: expectedStride, metadata: metadata,
                           formatVersion: version, headerSize: headerSize, labelsSection: labelsRange,
                           metadataSection: metadataRange, idf: idfRange, bias: biasRange, weights: weightsRange,
                           scales: scalesRange, semantic: semantic)
    }
}
