import Switchboard
import SwitchboardData
import SwitchboardTraining

/// What `train` says before it starts: about the labels it found and the model it will make.
extension SwitchboardCommand.Train {
    /// A model file or training footprint above this gets a warning first (decimal 1 GB).
    static let largeModelBytes = 1_000_000_000

    /// Warns (stderr) about labels that are probably not what was meant: labels that differ only
    /// by case are kept as different labels; surrounding whitespace was removed (so " a" and "a"
    /// are one label).
    static func warnAboutLabels(_ data: LabeledDataset) {
        for group in data.labelsDifferingOnlyByCase {
            let names = group.map { "\"\($0)\"" }.joined(separator: ", ")
            Output.standardError("switchboard: warning: labels \(names) differ only by case: they are trained as "
                + "\(group.count) different labels (labels are kept byte for byte)")
        }
        let padded = data.paddedLabelLocations
        if let first = padded.first {
            Output.standardError("switchboard: warning: \(padded.count) label\(padded.count == 1 ? " has" : "s have") "
                + "surrounding spaces, removed (first at \(first)): \" a\" and \"a\" are the same label")
        }
    }

    /// Warns (stderr) before training a model whose float32 weights exceed `largeModelBytes`:
    /// the expected file size and training memory, and the `--bucket-bits` or `--max-size`
    /// that keep the model under 1 GB. Nothing when training refuses the size anyway (its error
    /// says what fits).
    static func warnAboutSize(labels: [String], features: FeatureConfiguration, validating: Bool) {
        if Trainer.sizeProblem(labels: labels.count, features: features) != nil { return }
        let allowance = CompactBudget.metadataAllowance
        let size = ModelFile.encodedByteCount(labels: labels, metadataLength: allowance, features: features,
                                              encoding: .float32)
        let weights = features.bucketCount.multipliedReportingOverflow(
            by: ModelContents.rowStride(forLabels: labels.count) * 4)
        guard size > largeModelBytes || weights.overflow else { return }
        // The solver's weights and the model's copy, plus the best epoch's snapshot when validating.
        let memory = (weights.overflow ? Int.max / 4 : weights.partialValue) * (validating ? 3 : 2)
        var advice = [String]()
        if let bits = ModelFile.largestBucketBits(fitting: largeModelBytes, labels: labels, metadataLength: allowance,
                                                  features: features, encoding: .float32, maximumBits: features.bucketBits) {
            advice.append("--bucket-bits \(bits)")
        }
        if ModelFile.largestBucketBits(fitting: largeModelBytes, labels: labels, metadataLength: allowance,
                                       features: features, encoding: .int8, maximumBits: features.bucketBits) != nil {
            advice.append("--max-size 1GB (int8 weights)")
        }
        let keep = advice.isEmpty ? "no bucket count keeps it under 1 GB: use fewer labels"
            : advice.joined(separator: " or ") + " keeps the model under 1 GB"
        Output.standardError("switchboard: warning: \(labels.count) labels × 2^\(features.bucketBits) buckets make a "
            + "model of about \(Output.bytes(size)); training needs about \(Output.bytes(memory)) of memory; \(keep)")
    }
}
