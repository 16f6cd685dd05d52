import SwitchboardSupport

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

    /// Rows per block of the penalty's sums: blocks, not threads, fix the order of the sums.
    static let blockRows = 1024

    /// The penalty at the first `count` parameters of `x`: each row summed in double precision,
    /// rows summed per block of `blockRows`, blocks summed in order (same bits on any thread count).
    func penalty(_ x: UnsafePointer<Float>, count: Int, threads: Int) -> Double {
        let s = lambdas.count, rows = count / s
        let blocks = (rows + Self.blockRows - 1) / Self.blockRows
        var partial = [Double](repeating: 0, count: blocks)
        centre.withUnsafeBufferPointer { c in
        lambdas.withUnsafeBufferPointer { l in
        partial.withUnsafeMutableBufferPointer { out in
            let shared = UncheckedSendable((c, l, out, x))
            ParallelFor.run(count: blocks, threads: threads) { range in
                let (c, l, out, x) = shared.value
                for b in range {
                    var total = 0.0
                    for row in b * Self.blockRows ..< min(rows, (b + 1) * Self.blockRows) {
                        var sum = 0.0
                        for j in 0 ..< s { let d = Double(x[row * s + j] - c[row * s + j]); sum += Double(l[j]) * d * d }
                        total += sum
                    }
                    out[b] = total
                }
            }
        }}}
        return 0.5 * partial.reduce(0, +)
    }

    /// Adds the penalty's gradient `λ_c (w − w₀)` to `g`, rows split over `threads`.
    func addGradient(_ x: UnsafePointer<Float>, into g: UnsafeMutablePointer<Float>, count: Int, threads: Int) {
        let s = lambdas.count
        centre.withUnsafeBufferPointer { c in
        lambdas.withUnsafeBufferPointer { l in
            let shared = UncheckedSendable((c, l, x, g))
            ParallelFor.run(count: count / s, threads: threads) { range in
                let (c, l, x, g) = shared.value
                for row in range {
                    for j in 0 ..< s { g[row * s + j] += l[j] * (x[row * s + j] - c[row * s + j]) }
                }
            }
        }}
    }
}
