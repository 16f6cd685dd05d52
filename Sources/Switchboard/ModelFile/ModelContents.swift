/// Everything a model file holds, as plain values. The trainer builds one; `ModelFile`
/// encodes it; a loaded `Classifier` reads the same fields in place.
public struct ModelContents: Sendable, Equatable {
    /// Label names, index = class id. Non-empty, unique, valid UTF-8 by construction.
    public var labels: [String]
    public var features: FeatureConfiguration
    /// Inverse document frequency per bucket (`features.bucketCount` values) when `features.useIDF`.
    public var idf: [Float]?
    /// Floats between the starts of consecutive weight rows: `labels.count` rounded up to a
    /// multiple of 8, so each row starts 32-byte aligned for SIMD.
    public var rowStride: Int
    /// Feature-major weights: `weights[bucket * rowStride + label]`; `bucketCount * rowStride` values.
    /// Padding columns are zero. Empty when `quantized` holds the weights instead.
    public var weights: [Float]
    /// One bias per label.
    public var bias: [Float]
    /// Free-form JSON metadata (training options, metrics, abstention threshold) kept for the record
    /// and for later format additions. Must be valid UTF-8; may be "{}".
    public var metadata: String
    /// The weights as 8-bit integers with one scale per bucket (see `quantizedInt8()`), or nil
    /// for float32 weights. When set, `weights` is empty.
    public var quantized: QuantizedWeights?
    /// The semantic block (pooled token vectors and their dense weights), or nil for an
    /// n-gram-only model. A model with one is written as format version 4.
    public var semantic: SemanticContents?

    public init(labels: [String], features: FeatureConfiguration, idf: [Float]?, rowStride: Int,
                weights: [Float], bias: [Float], metadata: String = "{}", quantized: QuantizedWeights? = nil,
                semantic: SemanticContents? = nil) {
        self.labels = labels
        self.features = features
        self.idf = idf
        self.rowStride = rowStride
        self.weights = weights
        self.bias = bias
        self.metadata = metadata
        self.quantized = quantized
        self.semantic = semantic
    }

    /// Row stride for `labelCount` labels: rounded up to 8 floats (32 bytes).
    public static func rowStride(forLabels labelCount: Int) -> Int { (labelCount + 7) & ~7 }

    /// How the weights are stored.
    public var weightEncoding: WeightEncoding { quantized == nil ? .float32 : .int8 }

    /// The exact size in bytes of the model file `ModelFile.encode` writes for these contents
    /// (assuming they are valid), computed without encoding.
    public var modelByteEstimate: Int {
        ModelFileLayout.plan(labelsLength: labels.reduce(0) { $0 + 4 + $1.utf8.count },
                             metadataLength: metadata.utf8.count, labelCount: labels.count,
                             features: features, encoding: weightEncoding,
                             semantic: semantic.map { ModelFileLayout.SemanticSizes($0) }).fileLength
    }
}

/// How a model's weights are stored: 4-byte floats, or 1-byte integers with a scale per bucket.
public enum WeightEncoding: String, Sendable, CaseIterable {
    case float32, int8

    /// Bytes per stored weight.
    public var bytesPerWeight: Int { self == .float32 ? 4 : 1 }
}

/// Per-row symmetric 8-bit weights: the weight of `label` in `bucket` is
/// `scales[bucket] * Float(values[bucket * rowStride + label])`.
public struct QuantizedWeights: Sendable, Equatable {
    /// One scale per bucket (`bucketCount` values), ≥ 0; 0 for a row that is all zero.
    public var scales: [Float]
    /// `bucketCount × rowStride` values, feature-major like `ModelContents.weights`; padding columns 0.
    public var values: [Int8]

    public init(scales: [Float], values: [Int8]) {
        self.scales = scales
        self.values = values
    }
}

extension ModelContents {
    /// Largest magnitude of a quantized value. Symmetric ±127 (not -128): zero stays exactly
    /// zero and negating a value never overflows.
    public static let int8Levels: Float = 127

    /// These contents with int8 weights: per bucket row, `scale = max|w| / 127` and each weight
    /// becomes `round(w / scale)` (to nearest, ties away from zero). A row that is all zero gets
    /// scale 0. Measured on CLINC150 (2^15 buckets) this costs no test accuracy. Returns `self`
    /// when already quantized.
    public func quantizedInt8() -> ModelContents {
        guard quantized == nil else { return self }
        let buckets = features.bucketCount, stride = rowStride, k = labels.count
        guard weights.count == buckets * stride else { return self } // invalid contents: encode reports it
        var scales = [Float](repeating: 0, count: buckets)
        var values = [Int8](repeating: 0, count: weights.count)
        weights.withUnsafeBufferPointer { w in
            values.withUnsafeMutableBufferPointer { q in
                for b in 0..<buckets {
                    let row = b * stride
                    var largest: Float = 0
                    for c in 0..<k { largest = max(largest, abs(w[row + c])) }
                    guard largest > 0, largest.isFinite else { continue } // all-zero (or unusable) row: scale 0
                    scales[b] = largest / Self.int8Levels
                    let inverse = Self.int8Levels / largest
                    for c in 0..<k {
                        let r = (w[row + c] * inverse).rounded()
                        q[row + c] = r.isNaN ? 0 : Int8(max(-Self.int8Levels, min(Self.int8Levels, r)))
                    }
                }
            }
        }
        var result = self
        result.weights = []
        result.quantized = QuantizedWeights(scales: scales, values: values)
        return result
    }
}
