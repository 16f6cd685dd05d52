#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `ModelFile.parse` found: plain values plus the byte ranges of the binary sections.
struct ParsedModel {
    var labels: [String]
    var features: FeatureConfiguration
    var rowStride: Int
    var metadata: String
    var formatVersion: UInt32
    var headerSize: Int
    var labelsSection: Range<Int>
    var metadataSection: Range<Int>
    var idf: Range<Int>?
    var bias: Range<Int>
    /// Float32 weights, or Int8 weights when `scales` is set.
    var weights: Range<Int>
    /// Row scales of int8 weights, else nil.
    var scales: Range<Int>?
    /// The semantic block (format version 4), else nil.
    var semantic: ParsedSemantic?
}

/// Where the bytes of a model file go, by section. The fields add up to the file size.
public struct ModelSizeBreakdown: Sendable, Equatable {
    /// The fixed header (136 bytes in version 1, 152 in version 2).
    public var header: Int
    public var labels: Int
    public var metadata: Int
    /// 0 without IDF.
    public var idf: Int
    public var bias: Int
    /// Float32 or int8 weights.
    public var weights: Int
    /// Int8 row scales; 0 for float weights.
    public var scales: Int
    /// Zero bytes that align sections to 64 bytes.
    public var padding: Int
    /// The trailing XXH64.
    public var checksum: Int
    /// The semantic block's vocabulary, token table and dense weights; 0 without one.
    public var semantic: Int = 0
}

/// A validated, immutable model held in memory: either a read-only file mapping or an owned,
/// 64-byte-aligned buffer. The weight buffers point into that memory and stay valid for the
/// lifetime of this object. Safe to share across threads (nothing in it ever changes).
public final class ModelStorage: @unchecked Sendable {
    /// Label names, index = class id.
    public let labels: [String]
    /// How text becomes features for this model.
    public let features: FeatureConfiguration
    /// Values between the starts of consecutive weight rows (float32 or int8 alike).
    public let rowStride: Int
    /// The model's JSON metadata text.
    public let metadata: String
    /// The format version of the file the model came from.
    public let formatVersion: UInt32
    /// Size of the whole model file in bytes.
    public let byteCount: Int
    /// The path the model was loaded from, or the `source` given to `decode`.
    public let source: String
    /// `features.bucketCount * rowStride` float32 weights, feature-major, 64-byte aligned, in
    /// place. Empty for an int8 model (see `quantized`).
    public let weights: UnsafeBufferPointer<Float>
    /// For an int8 model, in place: `values` (`features.bucketCount * rowStride` Int8,
    /// feature-major, 64-byte aligned) and `scales` (one per bucket); the weight of `label` in
    /// `bucket` is `scales[bucket] * Float(values[bucket * rowStride + label])`. Nil for float32.
    public let quantized: (values: UnsafeBufferPointer<Int8>, scales: UnsafeBufferPointer<Float>)?
    /// One bias per label.
    public let bias: UnsafeBufferPointer<Float>
    /// `features.bucketCount` inverse document frequencies when `features.useIDF`, else nil.
    public let idf: UnsafeBufferPointer<Float>?
    /// Bytes per section of the file.
    public let sizeBreakdown: ModelSizeBreakdown
    /// The semantic block, in place, or nil for an n-gram-only model.
    public let semantic: SemanticStorage?

    /// How the weights are stored.
    public var weightEncoding: WeightEncoding { quantized == nil ? .float32 : .int8 }

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
        if let scales = parsed.scales {
            let values = UnsafeRawPointer(base + parsed.weights.lowerBound)
                .bindMemory(to: Int8.self, capacity: parsed.weights.count)
            quantized = (UnsafeBufferPointer(start: values, count: parsed.weights.count), floats(scales))
            weights = UnsafeBufferPointer(start: nil, count: 0)
        } else {
            quantized = nil
            weights = floats(parsed.weights)
        }
        bias = floats(parsed.bias)
        idf = parsed.idf.map(floats)
        semantic = parsed.semantic.map { SemanticStorage($0, base: base, rowStride: parsed.rowStride, floats: floats) }
        let checksum = ModelFileLayout.checksumSize
        let semanticBytes = parsed.semantic.map { $0.vocabulary.count + $0.table.count + $0.denseWeights.count } ?? 0
        let sections = [parsed.labelsSection, parsed.metadataSection, parsed.idf ?? 0..<0, parsed.bias,
                        parsed.weights, parsed.scales ?? 0..<0].reduce(0) { $0 + $1.count } + semanticBytes
        sizeBreakdown = ModelSizeBreakdown(
            header: parsed.headerSize, labels: parsed.labelsSection.count, metadata: parsed.metadataSection.count,
            idf: parsed.idf?.count ?? 0, bias: parsed.bias.count, weights: parsed.weights.count,
            scales: parsed.scales?.count ?? 0, padding: byteCount - parsed.headerSize - sections - checksum,
            checksum: checksum, semantic: semanticBytes)
        self.base = base
        self.release = release
    }

    /// Copies everything out into plain values.
    public func contents() -> ModelContents {
        ModelContents(labels: labels, features: features, idf: idf.map { Array($0) }, rowStride: rowStride,
                      weights: Array(weights), bias: Array(bias), metadata: metadata,
                      quantized: quantized.map { QuantizedWeights(scales: Array($0.scales), values: Array($0.values)) },
                      semantic: semantic?.contents())
    }

    deinit {
        switch release {
        case .unmap: _ = munmap(base, byteCount)
        case .deallocate: base.deallocate()
        }
    }
}
