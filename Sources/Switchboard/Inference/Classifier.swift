import SwitchboardSupport

/// One ranked answer: a label and its probability.
public struct LabelHypothesis: Sendable, Equatable {
    public var label: String
    public var probability: Double
    public init(label: String, probability: Double) {
        self.label = label
        self.probability = probability
    }
}

/// The top answer for a query, computed without allocating.
public struct Prediction: Sendable, Equatable {
    /// Index of the predicted label in `Classifier.labels`, or -1 when the query had no features.
    public var labelIndex: Int
    /// Softmax probability of that label.
    public var probability: Float
    /// Probability of the runner-up (0 with fewer than two labels).
    public var runnerUpProbability: Float

    /// The predicted label among `labels` (the model's, in order), or nil when the query had no
    /// features: the one way to read `labelIndex`.
    @inlinable
    public func label(in labels: [String]) -> String? { labelIndex >= 0 ? labels[labelIndex] : nil }

    public init(labelIndex: Int, probability: Float, runnerUpProbability: Float) {
        self.labelIndex = labelIndex
        self.probability = probability
        self.runnerUpProbability = runnerUpProbability
    }
}

/// A loaded routing model: labels a query in microseconds.
///
/// Immutable and `Sendable`: share one instance across threads, and give each thread its own
/// `FeatureScratch` for the allocation-free calls.
public final class Classifier: Sendable {
    /// The validated model (weights used in place, memory-mapped when loaded from a file).
    public let storage: ModelStorage
    /// Label names, index = class id.
    public let labels: [String]
    public let extractor: FeatureExtractor
    /// Temperature and abstention threshold from the model's metadata (defaults when absent).
    public let calibration: Calibration
    /// `1 / calibration.temperature`, applied to scores before the softmax.
    @usableFromInline let inverseTemperature: Float
    /// Pools the query's token vectors for the semantic block; nil for an n-gram-only model.
    public let pooler: TokenPooler?

    /// Loads and validates a model file. Throws `ModelFileError`.
    public convenience init(contentsOf path: String) throws {
        try self.init(storage: ModelFile.load(path: path))
    }

    /// Builds a classifier from in-memory contents (validated like a file).
    public convenience init(contents: ModelContents) throws {
        try self.init(storage: ModelFile.decode(ModelFile.encode(contents)))
    }

    public init(storage: ModelStorage) {
        self.storage = storage
        self.labels = storage.labels
        self.extractor = FeatureExtractor(storage.features)
        self.calibration = Calibration.from(metadata: storage.metadata)
        self.inverseTemperature = 1 / calibration.temperature
        self.pooler = storage.semantic?.pooler(owner: storage)
    }

    /// Label scores of `text` (bias plus weighted rows, divided by the calibration temperature),
    /// left in `scratch.scores`. Returns false when the text has no features.
    @inlinable
    func score(_ text: String, scratch: FeatureScratch) -> Bool {
        let hasFeatures = accumulate(text, scratch: scratch)
        if inverseTemperature != 1 {
            let scores = scratch.scores.base
            for c in 0..<labels.count { scores[c] *= inverseTemperature }
        }
        return hasFeatures
    }

    /// The raw label scores of `text` (bias plus weighted rows, at temperature 1), left in
    /// `scratch.scores`. Returns false when the text has no features.
    @inlinable
    func accumulate(_ text: String, scratch: FeatureScratch) -> Bool {
        extractor.extract(text, idf: storage.idf, into: scratch)
        let k = labels.count
        let stride = storage.rowStride
        if scratch.scores.capacity < stride {
            var grown = scratch.scores
            grown.grow(to: stride)
            scratch.scores = grown
        }
        scratch.scores.count = k
        let scores = scratch.scores.base
        let bias = storage.bias.baseAddress!
        scores.update(from: bias, count: k)
        // The kernels run over the whole padded row (`stride`, a multiple of 8) so that their
        // vector loops have no scalar tail; padding weights are 0 and these lanes are never read.
        (scores + k).update(repeating: 0, count: stride - k)
        let n = scratch.featureCount
        let buckets = scratch.workspace.buckets.base
        let values = scratch.workspace.values.base
        // The pooled vector comes first so the dense rows join the sparse ones in one blocked
        // pass; pooling reads neither the features nor the scores.
        let pooled = pooler != nil ? poolSemantic(text, scratch: scratch) : nil
        let dense = pooled != nil ? storage.semantic?.denseWeights.baseAddress : nil
        let dimensions = pooler?.featureCount ?? 0
        // One branch per query on the weight encoding; each loop stays a tight, vectorized kernel.
        // An int8 model adds `(value × rowScale) × Float(q)` straight from the compact rows.
        if let quantized = storage.quantized {
            let rows = quantized.values.baseAddress!
            let rowScales = quantized.scales.baseAddress!
            for j in 0..<n {
                let bucket = Int(buckets[j])
                RowKernels.addScaledInt8Row(rows + bucket &* stride, scale: values[j] * rowScales[bucket],
                                            into: scores, count: stride)
            }
            if let dense {
                BlockedRowSum(rows: dense, buckets: buckets, values: values, count: 0, dense: dense, pooled: pooled,
                              dimensions: dimensions, stride: stride).add(into: scores)
            }
        } else {
            BlockedRowSum(rows: storage.weights.baseAddress!, buckets: buckets, values: values, count: n,
                          dense: dense, pooled: pooled, dimensions: dimensions, stride: stride).add(into: scores)
        }
        if pooler != nil { return dense != nil || n > 0 }
        return n > 0
    }

    /// Pools `text`'s token vectors into `scratch.semantic` for the semantic block. Returns the
    /// pooled vector, or nil when the model has no dense weights or the text has no token to pool.
    @usableFromInline
    func poolSemantic(_ text: String, scratch: FeatureScratch) -> UnsafePointer<Float>? {
        guard let pooler, storage.semantic?.denseWeights.baseAddress != nil else { return nil }
        let semantic: SemanticScratch
        if let existing = scratch.semantic { semantic = existing } else {
            semantic = SemanticScratch()
            scratch.semantic = semantic
        }
        guard pooler.pool(text, into: semantic) else { return nil }
        return UnsafePointer(semantic.pooled)
    }

    /// The label scores of `text` before the softmax and at temperature 1 (bias plus each
    /// feature's weighted row, summed exactly as `predict` sums them, for float32 and int8 weights
    /// alike), or nil when the text has no features. The buffer lives in `scratch` and is valid
    /// until its next use.
    public func logits(for text: String, scratch: FeatureScratch) -> UnsafeBufferPointer<Float>? {
        guard accumulate(text, scratch: scratch) else { return nil }
        return UnsafeBufferPointer(start: scratch.scores.base, count: labels.count)
    }

    /// The most probable label of `text`, allocation-free given a reused `scratch`.
    @inlinable
    public func predict(_ text: String, scratch: FeatureScratch) -> Prediction {
        guard score(text, scratch: scratch) else {
            return Prediction(labelIndex: -1, probability: 0, runnerUpProbability: 0)
        }
        return RowKernels.softmaxTop2(scratch.scores.base, count: labels.count)
    }

    /// The most probable label, or nil when the text has no features (empty, only punctuation).
    /// Ignores the abstention threshold; see `routedLabel(for:)`.
    public func predictedLabel(for text: String) -> String? {
        let p = predict(text, scratch: FeatureScratch())
        return p.label(in: labels)
    }

    /// The label to route `text` to: the most probable label, or `calibration.unknownLabel` when
    /// its probability is below the threshold (`threshold`, else the model's own) or the text has
    /// no features.
    public func routedLabel(for text: String, threshold: Float? = nil, scratch: FeatureScratch = FeatureScratch()) -> String {
        routedIndex(predict(text, scratch: scratch), threshold: threshold).map { labels[$0] } ?? calibration.unknownLabel
    }

    /// Up to `maximumCount` labels with their probabilities (label → probability), like
    /// `NLModel.predictedLabelHypotheses(for:maximumCount:)`. Empty for a text with no features.
    public func predictedLabelHypotheses(for text: String, maximumCount: Int) -> [String: Double] {
        var result: [String: Double] = [:]
        for h in rankedHypotheses(for: text, maximumCount: maximumCount, scratch: FeatureScratch()) {
            result[h.label] = h.probability
        }
        return result
    }

    /// Up to `maximumCount` hypotheses, most probable first.
    public func rankedHypotheses(for text: String, maximumCount: Int, scratch: FeatureScratch) -> [LabelHypothesis] {
        rankedIndices(for: text, maximumCount: maximumCount, scratch: scratch).map {
            LabelHypothesis(label: labels[$0], probability: Double(scratch.scores.base[$0]))
        }
    }

    /// Label indices of `rankedHypotheses`; their probabilities are left in `scratch.scores`.
    func rankedIndices(for text: String, maximumCount: Int, scratch: FeatureScratch) -> [Int] {
        guard maximumCount > 0, score(text, scratch: scratch) else { return [] }
        let k = labels.count
        RowKernels.softmax(scratch.scores.base, count: k)
        return RowKernels.topIndices(scratch.scores.base, count: k, maximum: maximumCount)
    }

    /// Labels many texts on `threads` threads; result order matches `texts`.
    public func predictions(for texts: [String], threads: Int = 1) -> [Prediction] {
        var out = [Prediction](repeating: Prediction(labelIndex: -1, probability: 0, runnerUpProbability: 0),
                               count: texts.count)
        out.withUnsafeMutableBufferPointer { buffer in
            let result = UncheckedSendable(buffer)
            ParallelFor.run(count: texts.count, threads: threads) { range in
                let scratch = FeatureScratch()
                for i in range { result.value[i] = self.predict(texts[i], scratch: scratch) }
            }
        }
        return out
    }
}
