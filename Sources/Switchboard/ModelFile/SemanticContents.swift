/// The semantic block of a model as plain values: a tokenizer, one int8 vector per token, and
/// the dense weights that map the pooled query vector to label scores.
///
/// A query's dense features are `weight × normalize(Σ table[id])` over its token ids (special
/// tokens left out; see `TokenPooler`), followed with `.meanMax` pooling by the element-wise
/// maximum of the tokens' unweighted vectors; they add `Σ_f feature[f] × denseWeights[f * rowStride + label]`
/// to each label's logit, beside the hashed n-grams.
public struct SemanticContents: Sendable, Equatable {
    /// How a query's token vectors become its dense features.
    public enum Pooling: UInt8, Sendable, CaseIterable {
        /// The normalized (weighted) sum: `dimensions` features.
        case mean = 0
        /// The normalized sum, then the element-wise maximum of the vectors `maxScales[t] ×
        /// tableValues[t]`: `2 × dimensions` features.
        case meanMax = 1

        /// The name options and metadata use: `mean` or `mean-max`.
        public var name: String { self == .meanMax ? "mean-max" : "mean" }

        /// The pooling named `name`, or nil.
        public init?(name: String) {
            guard let match = Self.allCases.first(where: { $0.name == name }) else { return nil }
            self = match
        }

        /// Per-token scale blocks in the table: the pooling weight's scales, then with
        /// `.meanMax` the maximum's. It is also the number of features per dimension.
        public var scaleBlockCount: Int { self == .meanMax ? 2 : 1 }

        /// Features per query for `dimensions`-long token vectors.
        public func featureCount(dimensions: Int) -> Int { scaleBlockCount * dimensions }
    }

    /// Every token's text, index = id (the tokenizer's vocabulary).
    public var tokens: [String]
    /// The merges in rank order, flattened: left id, right id, left id, right id, ...
    public var mergePairs: [UInt32]
    /// Ids of the special tokens (matched literally, never pooled).
    public var specialIDs: [UInt32]
    /// Length of each token vector (after any reduction).
    public var dimensions: Int
    /// The scale α of the pooled vector: the dense features have L2 norm α.
    public var weight: Float
    /// One scale per token (`tokens.count` values, ≥ 0): vector `t` is `tableScales[t] × tableValues[t*dimensions ..< (t+1)*dimensions]`.
    public var tableScales: [Float]
    /// `tokens.count × dimensions` int8 values, row = token id.
    public var tableValues: [Int8]
    /// How the token vectors are pooled.
    public var pooling: Pooling
    /// With `.meanMax`, one scale per token for the maximum (the table's own quantization scale,
    /// without the pooling weight folded into `tableScales`); empty with `.mean`.
    public var maxScales: [Float]
    /// `featureCount × rowStride` float32 weights, feature-major; padding columns zero.
    public var denseWeights: [Float]

    /// Dense features per query: `dimensions`, or twice that with `.meanMax` pooling.
    public var featureCount: Int { pooling.featureCount(dimensions: dimensions) }

    /// Creates a semantic block from its parts; `ModelFile.encode` checks that the counts agree.
    public init(tokens: [String], mergePairs: [UInt32], specialIDs: [UInt32], dimensions: Int, weight: Float,
                tableScales: [Float], tableValues: [Int8], pooling: Pooling = .mean, maxScales: [Float] = [],
                denseWeights: [Float]) {
        self.tokens = tokens
        self.mergePairs = mergePairs
        self.specialIDs = specialIDs
        self.dimensions = dimensions
        self.weight = weight
        self.tableScales = tableScales
        self.tableValues = tableValues
        self.pooling = pooling
        self.maxScales = maxScales
        self.denseWeights = denseWeights
    }

    /// The largest vector length the format accepts.
    public static let maximumDimensions = 4096

    /// Quantizes a row-major float table (`rows × dimensions`) to int8 with one symmetric scale
    /// per row: `scale = max|v| / 127`, each value `round(v / scale)`; an all-zero row gets scale 0.
    public static func quantizeTable(_ table: [Float], dimensions: Int) -> (scales: [Float], values: [Int8]) {
        let rows = dimensions > 0 ? table.count / dimensions : 0
        var scales = [Float](repeating: 0, count: rows)
        var values = [Int8](repeating: 0, count: rows * dimensions)
        for r in 0 ..< rows {
            let row = table[(r * dimensions) ..< ((r + 1) * dimensions)]
            let largest = row.reduce(Float(0)) { max($0, abs($1)) }
            guard largest > 0, largest.isFinite else { continue }
            scales[r] = largest / ModelContents.int8Levels
            let inverse = ModelContents.int8Levels / largest
            for (d, v) in row.enumerated() {
                let q = (v * inverse).rounded()
                values[r * dimensions + d] = Int8(max(-ModelContents.int8Levels, min(ModelContents.int8Levels, q)))
            }
        }
        return (scales, values)
    }

    /// The first reason these values cannot be encoded with `rowStride`, or nil.
    func problem(rowStride: Int) -> String? {
        if tokens.isEmpty || tokens.count > BPETokenizer.maximumVocabularySize { return "semantic block: \(tokens.count) tokens" }
        if !(1 ... Self.maximumDimensions).contains(dimensions) { return "semantic block: \(dimensions) dimensions" }
        if !(weight > 0 && weight.isFinite) { return "semantic block: weight \(weight), expected a finite value > 0" }
        if mergePairs.count % 2 != 0 { return "semantic block: odd merge list" }
        if tableScales.count != tokens.count { return "semantic block: \(tableScales.count) table scales for \(tokens.count) tokens" }
        if tableScales.contains(where: { !($0 >= 0 && $0.isFinite) }) { return "semantic block: a table scale is negative or not finite" }
        if tableValues.count != tokens.count * dimensions { return "semantic block: \(tableValues.count) table values, expected \(tokens.count) × \(dimensions)" }
        if maxScales.count != (pooling == .meanMax ? tokens.count : 0) { return "semantic block: \(maxScales.count) max scales with \(pooling) pooling of \(tokens.count) tokens" }
        if maxScales.contains(where: { !($0 >= 0 && $0.isFinite) }) { return "semantic block: a max scale is negative or not finite" }
        if denseWeights.count != featureCount * rowStride { return "semantic block: \(denseWeights.count) dense weights, expected \(featureCount) × \(rowStride)" }
        if denseWeights.contains(where: { !$0.isFinite }) { return "semantic block: a dense weight is not finite" }
        do {
            _ = try tokenizer()
        } catch {
            return "semantic block: \(error.description)"
        }
        return nil
    }

    /// The tokenizer these tokens and merges describe.
    public func tokenizer() throws(BPETokenizer.BuildError) -> BPETokenizer {
        var merges: [(left: UInt32, right: UInt32)] = []
        merges.reserveCapacity(mergePairs.count / 2)
        for i in Swift.stride(from: 0, to: mergePairs.count - 1, by: 2) { merges.append((mergePairs[i], mergePairs[i + 1])) }
        return try BPETokenizer(tokens: tokens, merges: merges, specialIDs: specialIDs)
    }
}
