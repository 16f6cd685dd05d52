import Foundation

/// Temperature scaling (Guo et al. 2017): the T > 0 such that softmax(scores / T) gives the
/// validation labels the highest likelihood, with a weak prior that pulls ln T towards 0 (T = 1,
/// the trained scale). It changes no ranking, only how sure the probabilities are.
///
/// Without the prior, a small validation set whose rows the model all gets right (perfect
/// separation) has no finite optimum: the likelihood keeps rising as T → 0 and every answer
/// becomes probability 1.0. The prior is worth `priorRows` validation rows, so it decides the
/// fit on a handful of rows and vanishes on thousands.
public enum TemperatureFit {
    /// Temperatures searched. Outside it the probabilities are all but one-hot (T → 0) or all
    /// but uniform (T → ∞).
    public static let range: ClosedRange<Double> = 0.01...100

    /// The weight of the prior, in validation rows: the fit minimizes
    /// mean NLL + `priorRows` · (ln T)² / rows.
    public static let priorRows = 2.0

    /// What the fit found.
    public struct Result: Sendable, Equatable {
        /// The fitted temperature.
        public var temperature: Float
        /// Rows the temperature was fitted on.
        public var rows: Int
        /// True when the fit stopped at a bound of `range`.
        public var hitBound: Bool
        /// True when every fitted row's top score is its own label's: the likelihood alone
        /// would drive T to the lower bound, so the prior decided the temperature.
        public var separated: Bool

        public init(temperature: Float, rows: Int, hitBound: Bool, separated: Bool) {
            self.temperature = temperature
            self.rows = rows
            self.hitBound = hitBound
            self.separated = separated
        }
    }

    /// The temperature minimizing the regularized mean negative log-likelihood of the rows of
    /// `table` whose `targets` entry is a label index (rows with -1, e.g. the unknown label, and
    /// rows without features are left out). 1 when no row is left.
    public static func fit(_ table: ScoreTable, targets: [Int32], priorRows: Double = priorRows) -> Float {
        fitDetails(table, targets: targets, priorRows: priorRows).temperature
    }

    /// `fit`, with what the fit found.
    ///
    /// The NLL is convex in β = 1/T, with derivative E_p[z] − z_y and second derivative Var_p(z)
    /// (averaged over rows); the prior adds 2c·ln β / β and 2c(1 − ln β) / β² (c = priorRows / n).
    /// This runs Newton's method on β inside a shrinking bracket on the sign of the derivative,
    /// bisecting in log space whenever a Newton step leaves it or the curvature is not positive.
    /// Sequential sums: deterministic.
    public static func fitDetails(_ table: ScoreTable, targets: [Int32], priorRows: Double = priorRows) -> Result {
        precondition(targets.count == table.count, "one target per row")
        let rows = (0..<table.count).filter { targets[$0] >= 0 && table.hasFeatures[$0] }
        guard !rows.isEmpty else { return Result(temperature: 1, rows: 0, hitBound: false, separated: false) }
        let separated = rows.allSatisfy { i in
            let k = table.labelCount, y = Int(targets[i])
            return (0..<k).allSatisfy { $0 == y || table.scores[i * k + $0] < table.scores[i * k + y] }
        }
        let c = max(0, priorRows) / Double(rows.count)
        func derivatives(_ beta: Double) -> (gradient: Double, curvature: Double) {
            let (g, h) = likelihoodDerivatives(table, targets, rows, beta: beta)
            return (g + 2 * c * log(beta) / beta, h + 2 * c * (1 - log(beta)) / (beta * beta))
        }
        func result(_ beta: Double, bound: Bool) -> Result {
            Result(temperature: Float(1 / beta), rows: rows.count, hitBound: bound, separated: separated)
        }
        var lo = 1 / range.upperBound, hi = 1 / range.lowerBound
        if derivatives(lo).gradient >= 0 { return result(lo, bound: true) }
        if derivatives(hi).gradient <= 0 { return result(hi, bound: true) }
        var beta = 1.0 // the trained model's own scale is the natural first guess
        // 100 steps: bisection alone narrows the log-bracket (width ln 10^4 ≈ 9.2) below 1e-9
        // in about 33 steps; Newton usually converges in under 10.
        for _ in 0..<100 {
            let (g, h) = derivatives(beta)
            if g == 0 { break }
            if g > 0 { hi = beta } else { lo = beta }
            // Relative bracket width 1e-9: far below what a Float temperature can express.
            if hi / lo - 1 < 1e-9 { break }
            let newton = beta - g / h
            beta = h > 0 && newton > lo && newton < hi ? newton : (lo * hi).squareRoot()
        }
        return result(beta, bound: false)
    }

    /// Mean negative log-likelihood (natural log) of the labeled rows at `temperature`, as
    /// selected by `fit`, without the prior. 0 when no row counts.
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
    private static func likelihoodDerivatives(_ table: ScoreTable, _ targets: [Int32], _ rows: [Int],
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
