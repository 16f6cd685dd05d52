import SwitchboardSupport

/// What the full-batch refinement after SGD did.
public struct RefinementReport: Sendable, Equatable {
    /// L-BFGS steps taken.
    public var iterations: Int
    /// Objective and gradient evaluations, the first included.
    public var evaluations: Int
    /// The objective (mean cross-entropy plus `λ/2 ‖W‖²`) at the SGD solution, and at the end.
    public var initialObjective: Double
    public var finalObjective: Double
}

extension Trainer {
    /// Training sets above this many rows are not refined: its cost grows with the rows while
    /// its gain shrinks, as SGD's final epochs average over more examples per weight. CLINC150
    /// test accuracy and 2-thread training time without → with 50 steps: its 15,000 rows 93.82 →
    /// 94.04 %, 2.3 → 8.3 s; `make bench`'s 100,000 resampled rows 93.82 → 93.93 %, 15 → 77 s
    /// (the "without" figures of that set are from the run before the refinement).
    public static let refinementRowLimit = 50_000

    /// Refines the SGD solution in `sparse` (and the dense block `dense`, `dimensions` rows,
    /// trained on `pooled`) by L-BFGS on the full-batch objective, in place. Nil when disabled
    /// by `parameters.refineIterations == 0` or when the training set is too large.
    static func refine(_ sparse: SGDSolver, dense: UnsafeMutablePointer<Float>? = nil, dimensions: Int = 0,
                       train: TrainingData, pooled: [Float] = [], parameters: TrainingParameters) -> RefinementReport? {
        guard parameters.refineIterations > 0, train.rows.rows > 0, train.rows.rows <= refinementRowLimit else { return nil }
        let weights = classWeights(train.labels, labels: sparse.labelCount, mode: parameters.classWeighting)
        let problem = RefinementProblem(train, pooled: pooled, dimensions: dimensions, bucketCount: sparse.bucketCount,
                                        labelCount: sparse.labelCount, classWeights: weights, c: parameters.refineC,
                                        threads: parameters.threads)
        let n = problem.count
        let x = UnsafeMutablePointer<Float>.allocate(capacity: n), g = UnsafeMutablePointer<Float>.allocate(capacity: n)
        defer { x.deallocate(); g.deallocate() }
        problem.gather(weights: sparse.weights, dense: dense, bias: sparse.bias, into: x)
        let start = problem.evaluate(x, gradient: g)
        let report = LBFGS(count: n).minimize(x, gradient: g, value: start, iterations: parameters.refineIterations) {
            problem.evaluate($0, gradient: $1)
        }
        problem.scatter(x, weights: sparse.weights, dense: dense, bias: sparse.bias)
        return report
    }
}
