/// The answer to a query, as every command that answers queries gives it: the routed label
/// (or an abstention) and, separately, the most probable labels.
public struct RoutedAnswer: Sendable, Equatable {
    /// Index in `Classifier.labels` of the label answered, or nil when the query is abstained
    /// on: its top probability is below the threshold, or it has no features (empty, only
    /// whitespace or punctuation).
    public var labelIndex: Int?
    /// The top probability (0 without features), also when abstained on.
    public var confidence: Float
    /// Up to the requested number of labels, most probable first, whether or not the query
    /// was answered.
    public var ranked: [LabelHypothesis]

    public init(labelIndex: Int?, confidence: Float, ranked: [LabelHypothesis]) {
        self.labelIndex = labelIndex
        self.confidence = confidence
        self.ranked = ranked
    }

    /// True when the query gets the unknown label.
    public var abstained: Bool { labelIndex == nil }
}

extension Classifier {
    /// The label index `p` is routed to, or nil to abstain: no features, or a top probability
    /// below `threshold` (the model's own threshold when nil; no threshold answers everything).
    /// The one rule of `predict`, `label`, `evaluate` and `serve`.
    @inlinable
    public func routedIndex(_ p: Prediction, threshold: Float? = nil) -> Int? {
        calibration.answers(p, threshold: threshold) ? p.labelIndex : nil
    }

    /// The routed answer to `text` under `threshold` (the model's own when nil), with the
    /// `topK` most probable labels (none when 0). Allocation-free when `topK` is 0.
    public func answer(_ text: String, threshold: Float? = nil, topK: Int = 0,
                       scratch: FeatureScratch) -> RoutedAnswer {
        guard topK > 0 else {
            let p = predict(text, scratch: scratch)
            return RoutedAnswer(labelIndex: routedIndex(p, threshold: threshold), confidence: p.probability, ranked: [])
        }
        let order = rankedIndices(for: text, maximumCount: topK, scratch: scratch)
        guard let index = order.first else { return RoutedAnswer(labelIndex: nil, confidence: 0, ranked: []) }
        let probabilities = scratch.scores.base
        let ranked = order.map { LabelHypothesis(label: labels[$0], probability: Double(probabilities[$0])) }
        let p = Prediction(labelIndex: index, probability: probabilities[index],
                           runnerUpProbability: order.count > 1 ? probabilities[order[1]] : 0)
        return RoutedAnswer(labelIndex: routedIndex(p, threshold: threshold), confidence: p.probability, ranked: ranked)
    }
}
