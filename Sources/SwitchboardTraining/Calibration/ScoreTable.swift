import SwitchboardSupport
import Foundation
import Switchboard

/// The raw label scores (logits at temperature 1) of many texts under one model, kept so that a
/// temperature can be fitted and probabilities recomputed without featurizing the texts again.
/// Rows × labels floats: 3,100 CLINC150 validation rows × 150 labels is under 2 MB.
public struct ScoreTable: Sendable {
    /// Scores per row.
    public let labelCount: Int
    /// Row-major scores: `scores[row * labelCount + label]`.
    public let scores: [Float]
    /// False for a text with no features: the model gives it no answer.
    public let hasFeatures: [Bool]

    /// A table from row-major `scores` (`hasFeatures.count` rows of `labelCount`).
    public init(labelCount: Int, scores: [Float], hasFeatures: [Bool]) {
        precondition(labelCount > 0 && scores.count == labelCount * hasFeatures.count, "scores must be rows × labels")
        self.labelCount = labelCount
        self.scores = scores
        self.hasFeatures = hasFeatures
    }

    /// Number of rows.
    public var count: Int { hasFeatures.count }

    /// Scores `texts` with the model in `contents` on `threads` threads through
    /// `Classifier.logits`, so the scores equal the runtime's bit for bit, for float32 and int8
    /// weights alike. Throws the `ModelFileError` that makes `contents` an invalid model.
    public static func compute(_ contents: ModelContents, texts: [String], threads: Int) throws -> ScoreTable {
        let k = contents.labels.count
        let classifier = try Classifier(contents: contents)
        var scores = [Float](repeating: 0, count: texts.count * k)
        var hasFeatures = [Bool](repeating: false, count: texts.count)
        scores.withUnsafeMutableBufferPointer { out in
            hasFeatures.withUnsafeMutableBufferPointer { flags in
                let shared = UncheckedSendable((out, flags))
                ParallelFor.run(count: texts.count, threads: max(1, threads)) { range in
                    let (out, flags) = shared.value
                    let scratch = FeatureScratch()
                    for i in range {
                        let row = out.baseAddress! + i * k
                        if let logits = classifier.logits(for: texts[i], scratch: scratch) {
                            row.update(from: logits.baseAddress!, count: k)
                            flags[i] = true
                        } else {
                            row.update(from: classifier.storage.bias.baseAddress!, count: k)
                        }
                    }
                }
            }
        }
        return ScoreTable(labelCount: k, scores: scores, hasFeatures: hasFeatures)
    }

    /// The top-2 prediction of every row at `temperature`, computed as `Classifier.predict`
    /// computes it for a model calibrated with that temperature.
    public func predictions(temperature: Float) -> [Prediction] {
        let k = labelCount
        let inverse = 1 / temperature
        var row = [Float](repeating: 0, count: k)
        return (0..<count).map { i in
            guard hasFeatures[i] else { return Prediction(labelIndex: -1, probability: 0, runnerUpProbability: 0) }
            return row.withUnsafeMutableBufferPointer { buffer in
                scores.withUnsafeBufferPointer { buffer.baseAddress!.update(from: $0.baseAddress! + i * k, count: k) }
                if inverse != 1 { for c in 0..<k { buffer[c] *= inverse } }
                return RowKernels.softmaxTop2(buffer.baseAddress!, count: k)
            }
        }
    }
}
