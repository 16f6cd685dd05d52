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

    /// A warm start's refinement pulls the parent's label columns toward the parent's weights
    /// with `λ = 1 / (C · rows)` for this C, and the new labels' columns toward zero with
    /// `--refine-c`. Chosen on CLINC150 val.csv, mean of three 10-intent splits (the warm-start
    /// benchmark's): C 0.1, 1, 10, 30, 100 gave 94.13, 94.14, 94.21, 94.25, 94.04 %, against
    /// 94.07 % without a refinement and 94.23 % training on everything.
    public static let warmStartParentC: Float = 30

    /// Refines the SGD solution in `sparse` (and the dense block `dense`, `dimensions` rows,
    /// trained on `pooled`) by L-BFGS on the full-batch objective, in place. With `parent`
    /// (a warm start), the penalty pulls the weights toward `parent.weights` (all buckets) and
    /// `parent.dense`, in the columns `parent.known` marks with `warmStartParentC`. Nil when
    /// disabled by `parameters.refineIterations == 0` or when the training set is too large.
    static func refine(_ sparse: SGDSolver, dense: UnsafeMutablePointer<Float>? = nil, dimensions: Int = 0,
                       train: TrainingData, pooled: [Float] = [], parameters: TrainingParameters,
                       parent: RefinementParent? = nil) -> RefinementReport? {
        guard parameters.refineIterations > 0, train.rows.rows > 0, train.rows.rows <= refinementRowLimit else { return nil }
        let weights = classWeights(train.labels, labels: sparse.labelCount, mode: parameters.classWeighting)
        let problem = RefinementProblem(train, pooled: pooled, dimensions: dimensions, bucketCount: sparse.bucketCount,
                                        labelCount: sparse.labelCount, classWeights: weights, c: parameters.refineC,
                                        threads: parameters.threads)
        if let parent {
            let rows = Float(train.rows.rows)
            var lambdas = [Float](repeating: 0, count: problem.stride)
            for (c, known) in parent.known.enumerated() {
                lambdas[c] = 1 / ((known ? warmStartParentC : parameters.refineC) * rows)
            }
            problem.anchor = RefinementAnchor(problem, weights: parent.weights,
                                              dense: parent.dense.isEmpty ? nil : parent.dense, lambdas: lambdas)
        }
        let n = problem.count
        let x = UnsafeMutablePointer<Float>.allocate(capacity: n), g = UnsafeMutablePointer<Float>.allocate(capacity: n)
        defer { x.deallocate(); g.deallocate() }
        problem.gather(weights: sparse.weights, dense: dense, bias: sparse.bias, into: x)
        let start = problem.evaluate(x, gradient: g)
        let report = LBFGS(count: n, threads: parameters.threads).minimize(x, gradient: g, value: start, iterations: parameters.refineIterations) {
            problem.evaluate($0, gradient: $1)
        }
        problem.scatter(x, weights: sparse.weights, dense: dense, bias: sparse.bias)
        return report
    }

    /// The parent's weights a warm start's refinement pulls toward (see `refine`).
    typealias RefinementParent = (weights: [Float], dense: [Float], known: [Bool])

    /// Refines an n-gram model's SGD solution into `report.refinement`; when it ran, the
    /// validation accuracy reported is the refined model's.
    static func refine(_ solver: SGDSolver, into report: inout TrainingReport, train: TrainingData, valid: TrainingData?,
                       parameters: TrainingParameters, parent: RefinementParent? = nil) {
        report.refinement = refine(solver, train: train, parameters: parameters, parent: parent)
        if report.refinement != nil, let valid { report.validationAccuracy = solver.accuracy(valid, threads: parameters.threads) }
    }

    /// Refines a model with a dense block (see the n-gram overload).
    static func refine(_ solver: SemanticSolver, into report: inout TrainingReport, train: (TrainingData, [Float]),
                       valid: (TrainingData, [Float])?, parameters: TrainingParameters, parent: RefinementParent? = nil) {
        report.refinement = refine(solver.sparse, dense: solver.dense, dimensions: solver.dimensions, train: train.0,
                                   pooled: train.1, parameters: parameters, parent: parent)
        if report.refinement != nil, let valid {
            report.validationAccuracy = solver.accuracy(valid.0, pooled: valid.1, threads: parameters.threads)
        }
    }
}
