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
    /// Padding columns are zero.
    public var weights: [Float]
    /// One bias per label.
    public var bias: [Float]
    /// Free-form JSON metadata (training options, metrics, abstention threshold) kept for the record
    /// and for later format additions. Must be valid UTF-8; may be "{}".
    public var metadata: String

    public init(labels: [String], features: FeatureConfiguration, idf: [Float]?, rowStride: Int,
                weights: [Float], bias: [Float], metadata: String = "{}") {
        self.labels = labels
        self.features = features
        self.idf = idf
        self.rowStride = rowStride
        self.weights = weights
        self.bias = bias
        self.metadata = metadata
    }

    /// Row stride for `labelCount` labels: rounded up to 8 floats (32 bytes).
    public static func rowStride(forLabels labelCount: Int) -> Int { (labelCount + 7) & ~7 }
}
