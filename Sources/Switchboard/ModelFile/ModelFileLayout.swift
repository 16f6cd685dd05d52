/// Byte positions and sizes of the model file format (see `ModelFile`).
enum ModelFileLayout {
    /// Size of the version-1 header (five sections); labels start right after it.
    static let headerSize = 136
    /// Size of the version-2 header: the version-1 header plus one 16-byte section entry (scales).
    static let headerSizeV2 = headerSize + 16
    /// Size of the version-4 header: the version-2 header, three more section entries (vocabulary,
    /// token table, dense weights) and 24 bytes of semantic-block fields (see `SemanticHeader`).
    static let headerSizeV4 = headerSizeV2 + 3 * 16 + 24
    /// Size of the trailing XXH64 checksum.
    static let checksumSize = 8
    /// Smallest file that can hold a header and a checksum (of the smallest, version-1, header).
    static let minimumFileSize = headerSize + checksumSize
    /// Float sections start on multiples of 64 bytes: a cache line, and a multiple of the
    /// 32-byte SIMD alignment the row stride is designed for. Int8 weights use the same.
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
    /// Three UInt8 booleans (fold, sublinear, IDF) then the n-gram normalization byte.
    static let booleansOffset = 44
    static let normalizationOffset = 47
    static let hashIDOffset = 48
    static let reservedOffset = 52
    /// (offset, length) UInt64 pairs, in `Section` order: five in version 1, six in version 2.
    static let sectionTableOffset = 56

    /// Flag bit 0 (version 2 only): the weights section holds Int8 values and the scales section
    /// one Float32 per bucket.
    static let int8WeightsFlag: UInt32 = 1 << 0
    /// Flag bit 1 (version 4 only): the model has a semantic block (vocabulary, token table and
    /// dense weights sections, and the semantic header fields).
    static let semanticFlag: UInt32 = 1 << 1

    /// The sections, in section-table order.
    enum Section: Int, CaseIterable {
        case labels, metadata, idf, bias, weights, scales, vocabulary, tokenTable, denseWeights
        /// Where this section's (offset, length) pair sits in the header.
        var tableOffset: Int { ModelFileLayout.sectionTableOffset + rawValue * 16 }
        /// The sections a file of format `version` lists in its header.
        static func listed(inVersion version: UInt32) -> [Section] {
            switch version {
            case 1: [.labels, .metadata, .idf, .bias, .weights]
            case 2: [.labels, .metadata, .idf, .bias, .weights, .scales]
            default: allCases
            }
        }
    }

    /// Header size of format `version` (1, 2 or 4).
    static func headerSize(version: UInt32) -> Int {
        version >= 4 ? headerSizeV4 : version == 2 ? headerSizeV2 : headerSize
    }

    /// The format version written for a weight encoding: 1 for float32 (unchanged since
    /// version 1), 2 for int8, 4 for any model with a semantic block.
    static func version(for encoding: WeightEncoding, semantic: Bool = false) -> UInt32 {
        semantic ? 4 : encoding == .float32 ? 1 : 2
    }

    /// `value` rounded up to a multiple of `floatAlignment`.
    static func aligned(_ value: Int) -> Int { (value + floatAlignment - 1) & ~(floatAlignment - 1) }

    /// Where every section of a model goes, as the writer lays it out.
    struct Plan {
        var version: UInt32
        var headerSize: Int
        /// (offset, length) per section; absent sections (IDF without IDF, scales for float
        /// weights) are (0, 0).
        var sections: [Section: (offset: Int, length: Int)]
        /// Total bytes, checksum included.
        var fileLength: Int

        /// The section's (offset, length), (0, 0) when absent.
        subscript(_ section: Section) -> (offset: Int, length: Int) { sections[section] ?? (0, 0) }
    }

    /// The layout of a model with these sizes: labels at the end of the header, metadata right
    /// after them, then (each 64-byte aligned) IDF if used, bias, scales for int8, weights,
    /// and the checksum. `labelsLength` counts each label's 4-byte length prefix.
    static func plan(labelsLength: Int, metadataLength: Int, labelCount: Int,
                     features: FeatureConfiguration, encoding: WeightEncoding,
                     semantic: SemanticSizes? = nil) -> Plan {
        let version = version(for: encoding, semantic: semantic != nil)
        let header = headerSize(version: version)
        var sections: [Section: (offset: Int, length: Int)] = [
            .labels: (header, labelsLength), .metadata: (header + labelsLength, metadataLength)]
        var end = header + labelsLength + metadataLength
        func place(_ section: Section, _ length: Int) {
            sections[section] = (aligned(end), length)
            end = aligned(end) + length
        }
        let floatSize = MemoryLayout<Float>.size
        if features.useIDF { place(.idf, features.bucketCount * floatSize) }
        place(.bias, labelCount * floatSize)
        if encoding == .int8 { place(.scales, features.bucketCount * floatSize) }
        place(.weights, features.bucketCount * ModelContents.rowStride(forLabels: labelCount) * encoding.bytesPerWeight)
        if let semantic {
            place(.vocabulary, semantic.vocabularyLength)
            place(.tokenTable, SemanticHeader.tableLength(tokens: semantic.tokenCount, dimensions: semantic.dimensions,
                                                          pooling: semantic.pooling))
            place(.denseWeights, semantic.pooling.featureCount(dimensions: semantic.dimensions)
                * ModelContents.rowStride(forLabels: labelCount) * floatSize)
        }
        return Plan(version: version, headerSize: header, sections: sections, fileLength: end + checksumSize)
    }
}
