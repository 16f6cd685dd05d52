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
    /// weights alike.
    public static func compute(_ contents: ModelContents, texts: [String], threads: Int) -> ScoreTable {
        let k = contents.labels.count
        guard let classifier = try? Classifier(contents: contents) else { preconditionFailure("invalid model contents") }
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

/// Temperature scaling (Guo et al. 2017): the one T > 0 such that softmax(scores / T) gives the
/// validation labels the highest likelihood. It changes no ranking, only how sure the
/// probabilities are.
public enum TemperatureFit {
    /// Temperatures searched. Outside it the probabilities are all but one-hot (T → 0) or all
    /// but uniform (T → ∞); the fit stops at the bound (perfectly separated data has no finite
    /// optimum).
    public static let range: ClosedRange<Double> = 0.01...100

    /// The temperature minimizing the mean negative log-likelihood of the rows of `table` whose
    /// `targets` entry is a label index (rows with -1, e.g. the unknown label, and rows without
    /// features are left out). 1 when no row is left.
    ///
    /// The NLL is convex in β = 1/T, with derivative E_p[z] − z_y and second derivative Var_p(z)
    /// (averaged over rows), so this runs Newton's method on β inside a shrinking bracket,
    /// bisecting in log space whenever a Newton step leaves it. Sequential sums: deterministic.
    public static func fit(_ table: ScoreTable, targets: [Int32]) -> Float {
        precondition(targets.count == table.count, "one target per row")
        let rows = (0..<table.count).filter { targets[$0] >= 0 && table.hasFeatures[$0] }
        guard !rows.isEmpty else { return 1 }
        var lo = 1 / range.upperBound, hi = 1 / range.lowerBound
        if derivatives(table, targets, rows, beta: lo).gradient >= 0 { return Float(1 / lo) }
        if derivatives(table, targets, rows, beta: hi).gradient <= 0 { return Float(1 / hi) }
        var beta = 1.0 // the trained model's own scale is the natural first guess
        // 100 steps: bisection alone narrows the log-bracket (width ln 10^4 ≈ 9.2) below 1e-9
        // in about 33 steps; Newton usually converges in under 10.
        for _ in 0..<100 {
            let (g, h) = derivatives(table, targets, rows, beta: beta)
            if g == 0 { break }
            if g > 0 { hi = beta } else { lo = beta }
            // Relative bracket width 1e-9: far below what a Float temperature can express.
            if hi / lo - 1 < 1e-9 { break }
            let newton = beta - g / h
            beta = h > 0 && newton > lo && newton < hi ? newton : (lo * hi).squareRoot()
        }
        return Float(1 / beta)
    }

    /// Mean negative log-likelihood (natural log) of the labeled rows at `temperature`, as
    /// selected by `fit`. 0 when no row counts.
    public static func negativeLogLikelihood(_ table: ScoreTable, targets: [Int32], temperature: Double) -> Double {
        let rows = (0..<table.count).filter { targets[$0] >= 0 && table.hasFeatures[$0] }
        guard !rows.isEmpty else { return 0 }
        let beta = 1 / temperature, k = table.labelCount
        var total = 0.0
        for i in rows {
            let z = table.scores[(i * k)..<(i * k + k)]
            let m = Double(z.max()!)
            let sum = z.reduce(0.0) { $0 + exp(beta * (Double($1) - m)) }
            total += log(sum) - beta * (Double(z[i * k + Int(targets[i])]) - m)
        }
        return total / Double(rows.count)
    }

    /// Mean first and second derivatives of the NLL with respect to β over `rows`.
    private static func derivatives(_ table: ScoreTable, _ targets: [Int32], _ rows: [Int],
                                    beta: Double) -> (gradient: Double, curvature: Double) {
        let k = table.labelCount
        var weights = [Double](repeating: 0, count: k)
        var gradient = 0.0, curvature = 0.0
        table.scores.withUnsafeBufferPointer { scores in
            for i in rows {
                let z = scores.baseAddress! + i * k
                var m = z[0]
                for c in 1..<max(k, 1) where z[c] > m { m = z[c] }
                var sum = 0.0, mean = 0.0
                for c in 0..<k {
                    let w = exp(beta * (Double(z[c]) - Double(m)))
                    weights[c] = w
                    sum += w
                    mean += w * Double(z[c])
                }
                mean /= sum
                var variance = 0.0
                for c in 0..<k {
                    let d = Double(z[c]) - mean
                    variance += weights[c] * d * d
                }
                gradient += mean - Double(z[Int(targets[i])])
                curvature += variance / sum
            }
        }
        let n = Double(rows.count)
        return (gradient / n, curvature / n)
    }
}
