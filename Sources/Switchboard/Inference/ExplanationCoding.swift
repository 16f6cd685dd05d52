// JSON form of an explanation (snake_case keys): the server answers with it, and `explain --json`
// prints the same members under the same names.

extension NGram: Encodable {
    enum CodingKeys: String, CodingKey { case kind, text, count = "occurrence_count" }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        try c.encode(text, forKey: .text)
        try c.encode(count, forKey: .count)
    }
}

extension FeatureContribution: Encodable {
    enum CodingKeys: String, CodingKey {
        case name, bucket, ngrams, value, weight, contribution, collision
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(bucket, forKey: .bucket)
        try c.encode(ngrams, forKey: .ngrams)
        try c.encode(value, forKey: .value)
        try c.encode(weight, forKey: .weight)
        try c.encode(contribution, forKey: .contribution)
        try c.encode(isCollision, forKey: .collision)
    }
}

extension Explanation: Encodable {
    enum CodingKeys: String, CodingKey {
        case text, label, predictedLabel = "predicted_label", logit, bias, probability = "confidence"
        case runnerUp = "runner_up_label", runnerUpLogit = "runner_up_logit", margin, contributions
        case omittedCount = "omitted_count", omittedContribution = "omitted_contribution"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(text, forKey: .text)
        try c.encode(label, forKey: .label)
        try c.encode(predictedLabel, forKey: .predictedLabel)
        try c.encode(logit, forKey: .logit)
        try c.encode(bias, forKey: .bias)
        try c.encode(probability, forKey: .probability)
        try c.encode(runnerUp, forKey: .runnerUp)
        try c.encode(runnerUpLogit, forKey: .runnerUpLogit)
        try c.encode(margin, forKey: .margin)
        try c.encode(contributions, forKey: .contributions)
        try c.encode(omittedCount, forKey: .omittedCount)
        try c.encode(omittedContribution, forKey: .omittedContribution)
    }
}
