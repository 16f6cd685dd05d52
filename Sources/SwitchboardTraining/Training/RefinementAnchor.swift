/// The penalty of a warm start's refinement: `Σ λ_c/2 (w − w₀)²` over the weights, where `w₀`
/// is the parent's weights (zero in the columns of new labels) and `λ_c` depends on the label
/// column `c`. The parent's labels are held near what it learned from rows this run does not
/// see; the new labels get the usual pull toward zero.
struct RefinementAnchor {
    /// `w₀`, laid out as the refinement's parameters (touched rows, then dense rows).
    let centre: [Float]
    /// `λ` per column of a row (`stride` entries; padding columns 0).
    let lambdas: [Float]

    /// Gathers `w₀` from all-bucket `weights` and the dense rows `dense` in `problem`'s layout.
    init(_ problem: RefinementProblem, weights: UnsafePointer<Float>, dense: UnsafePointer<Float>?, lambdas: [Float]) {
        precondition(lambdas.count == problem.stride)
        var all = [Float](repeating: 0, count: problem.count)
        let bias = [Float](repeating: 0, count: problem.stride)
        all.withUnsafeMutableBufferPointer { problem.gather(weights: weights, dense: dense, bias: bias, into: $0.baseAddress!) }
        centre = Array(all[0 ..< problem.sparseCount + problem.denseCount])
        self.lambdas = lambdas
    }

    /// The penalty at the first `count` parameters of `x`, summed in order in double precision.
    func penalty(_ x: UnsafePointer<Float>, count: Int) -> Double {
        let s = lambdas.count
        var total = 0.0
        centre.withUnsafeBufferPointer { c in
            for row in Swift.stride(from: 0, to: count, by: s) {
                var sum = 0.0
                for j in 0 ..< s { let d = Double(x[row + j] - c[row + j]); sum += Double(lambdas[j]) * d * d }
                total += sum
            }
        }
        return 0.5 * total
    }

    /// Adds the penalty's gradient `λ_c (w − w₀)` to `g`.
    func addGradient(_ x: UnsafePointer<Float>, into g: UnsafeMutablePointer<Float>, count: Int) {
        let s = lambdas.count
        centre.withUnsafeBufferPointer { c in
        lambdas.withUnsafeBufferPointer { l in
            for row in Swift.stride(from: 0, to: count, by: s) {
                for j in 0 ..< s { g[row + j] += l[j] * (x[row + j] - c[row + j]) }
            }
        }}
    }
}
