#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which part of the feature vector an n-gram comes from.
public enum FeatureKind: String, Sendable, Equatable, Codable {
    /// A word n-gram: normalized words joined by single spaces.
    case word
    /// A character n-gram of one word padded as `<word>`.
    case char
}

/// One n-gram of the query, in readable form, with how often the query contains it.
public struct NGram: Sendable, Equatable {
    public var kind: FeatureKind
    /// The normalized text (`"reset password"`, `"<pa"`).
    public var text: String
    /// Occurrences in the query.
    public var count: Int

    public init(kind: FeatureKind, text: String, count: Int) {
        self.kind = kind
        self.text = text
        self.count = count
    }
}

/// What one feature of the query adds to one label's logit.
///
/// A hashed feature is one bucket: `ngrams` lists every n-gram of the query that falls into it
/// (more than one is a hash collision inside the query). Other n-grams seen only in training may
/// share the bucket too; the model keeps no strings, so those cannot be shown. A dense feature
/// block is one entry with `bucket == nil` and its own `name`.
public struct FeatureContribution: Sendable, Equatable {
    /// A readable name: the n-grams joined by `" | "`, or the block's name.
    public var name: String
    /// The hash bucket, or nil for a dense block.
    public var bucket: UInt32?
    /// The query's n-grams that hash to `bucket`.
    public var ngrams: [NGram]
    /// The feature's value after TF weighting, IDF and L2 normalization.
    public var value: Float
    /// The model's weight of this feature for the explained label (int8 rows dequantized).
    public var weight: Float
    /// `value × weight`: what the feature adds to the logit.
    public var contribution: Float

    /// True when several n-grams of the query share the bucket.
    public var isCollision: Bool { ngrams.count > 1 }

    public init(name: String, bucket: UInt32?, ngrams: [NGram], value: Float, weight: Float, contribution: Float) {
        self.name = name
        self.bucket = bucket
        self.ngrams = ngrams
        self.value = value
        self.weight = weight
        self.contribution = contribution
    }
}

/// Why a query got a label: its logit, split into the bias and one term per feature.
///
/// Logits are at temperature 1 (what the weights say); `probability` applies the model's
/// calibration temperature, as `predict` does. `bias + Σ contributions == logit` up to float
/// rounding.
public struct Explanation: Sendable, Equatable {
    /// The query as given.
    public var text: String
    /// The explained label: the one asked for, else the predicted one.
    public var label: String
    public var labelIndex: Int
    /// The most probable label (nil when the query has no features).
    public var predictedLabel: String?
    /// The explained label's logit, as the runtime computes it.
    public var logit: Float
    /// The label's bias term.
    public var bias: Float
    /// The explained label's calibrated probability.
    public var probability: Float
    /// The strongest other label: the runner-up when the explained label won, else the winner.
    public var runnerUp: String?
    /// Its logit.
    public var runnerUpLogit: Float?
    /// `logit - runnerUpLogit`: positive when the explained label beats every other label.
    public var margin: Float?
    /// Every feature's contribution, largest magnitude first (see `keepingTop(_:)`).
    public var contributions: [FeatureContribution]
    /// How many contributions `keepingTop(_:)` left out.
    public var omittedCount: Int = 0
    /// Their sum, so that `bias + Σ contributions + omittedContribution == logit` still holds.
    public var omittedContribution: Float = 0

    /// This explanation with only the `n` largest contributions, the rest summed into
    /// `omittedContribution`.
    public func keepingTop(_ n: Int) -> Explanation {
        guard n >= 0, contributions.count > n else { return self }
        var copy = self
        let rest = contributions[n...]
        copy.contributions = Array(contributions.prefix(n))
        copy.omittedCount += rest.count
        copy.omittedContribution += rest.reduce(Float(0)) { $0 + $1.contribution }
        return copy
    }
}

/// Why `explanation(for:label:)` could not explain a query.
public enum ExplanationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The label is not one of the model's.
    case unknownLabel(String)
    /// The query has no features (empty, only punctuation) and no label was asked for.
    case noFeatures

    public var description: String {
        switch self {
        case .unknownLabel(let l): return "label \"\(l)\" is not in the model"
        case .noFeatures: return "the text has no features (no letters or digits), so it has no predicted label"
        }
    }
}

extension Classifier {
    /// Explains the logit of `label` (default: the predicted label) for `text`: the bias, and each
    /// feature bucket with the query's n-grams that hash to it, its value, weight and contribution.
    /// Works for float32 and int8 models. Throws `ExplanationError`.
    public func explanation(for text: String, label: String? = nil) throws(ExplanationError) -> Explanation {
        let scratch = FeatureScratch()
        let hasFeatures = accumulate(text, scratch: scratch)
        let k = labels.count
        let logits = Array(UnsafeBufferPointer(start: scratch.scores.base, count: k))
        let top = hasFeatures ? RowKernels.softmaxTop2(logits.map { $0 * inverseTemperature }, count: k) : nil
        let index: Int
        if let label {
            guard let i = labels.firstIndex(of: label) else { throw .unknownLabel(label) }
            index = i
        } else {
            guard let top else { throw .noFeatures }
            index = top.labelIndex
        }
        let rival = (0..<k).filter { $0 != index }.max { logits[$0] < logits[$1] || (logits[$0] == logits[$1] && $0 > $1) }
        let buckets = Array(scratch.buckets), values = Array(scratch.values), words = scratch.wordFeatureCount
        let names = NGramCatalog(extractor.configuration, text: text)
        let perFamily = extractor.configuration.normalization == .perFamily
        var terms: [FeatureContribution] = []
        terms.reserveCapacity(buckets.count)
        for (i, (bucket, value)) in zip(buckets, values).enumerated() {
            let (weight, contribution) = term(bucket: Int(bucket), value: value, label: index)
            // Per family, a bucket shared by both families is two entries: each shows its own kind.
            let family: FeatureKind? = perFamily ? (i < words ? .word : .char) : nil
            let ngrams = names.ngrams(in: bucket).filter { family == nil || $0.kind == family }
            let name = ngrams.map(\.text).joined(separator: " | ")
            terms.append(FeatureContribution(name: name, bucket: bucket, ngrams: ngrams, value: value,
                                             weight: weight, contribution: contribution))
        }
        if let block = semanticContribution(scratch: scratch, label: index) { terms.append(block) }
        terms.sort { abs($0.contribution) != abs($1.contribution) ? abs($0.contribution) > abs($1.contribution) : $0.name < $1.name }
        return Explanation(
            text: text, label: labels[index], labelIndex: index, predictedLabel: top.map { labels[$0.labelIndex] },
            logit: logits[index], bias: storage.bias[index],
            probability: probability(of: index, logits: logits),
            runnerUp: rival.map { labels[$0] }, runnerUpLogit: rival.map { logits[$0] },
            margin: rival.map { logits[index] - logits[$0] }, contributions: terms)
    }

    /// The weight of `bucket` for `label` and `value × weight`, multiplied in the order the
    /// prediction kernels use, so the terms add up to the runtime's logit.
    private func term(bucket: Int, value: Float, label: Int) -> (weight: Float, contribution: Float) {
        let offset = bucket &* storage.rowStride + label
        if let quantized = storage.quantized {
            let scale = quantized.scales[bucket]
            let q = Float(quantized.values[offset])
            return (scale * q, (value * scale) * q)
        }
        let w = storage.weights[offset]
        return (w, value * w)
    }

    /// The semantic block as one term: the pooled vector (norm α) times the label's dense weights,
    /// summed over dimensions in the runtime's order. Nil without a block or a token to pool.
    private func semanticContribution(scratch: FeatureScratch, label: Int) -> FeatureContribution? {
        guard let pooler, let semantic = storage.semantic, let pooled = scratch.semantic?.pooled else { return nil }
        var contribution: Float = 0, norm: Float = 0
        for d in 0..<pooler.featureCount {
            contribution += pooled[d] * semantic.denseWeights[d &* storage.rowStride + label]
            norm += pooled[d] * pooled[d]
        }
        guard norm > 0 else { return nil }
        let value = norm.squareRoot()
        return FeatureContribution(name: "semantic block (\(pooler.dimensions)-d \(pooler.maxScales == nil ? "" : "mean and max ")pooled token vectors)", bucket: nil,
                                   ngrams: [], value: value, weight: contribution / value, contribution: contribution)
    }

    /// Softmax probability of `index` at the calibration temperature.
    private func probability(of index: Int, logits: [Float]) -> Float {
        let scaled = logits.map { $0 * inverseTemperature }
        let m = scaled.max() ?? 0
        let sum = scaled.reduce(Float(0)) { $0 + expf($1 - m) }
        return expf(scaled[index] - m) / sum
    }
}
