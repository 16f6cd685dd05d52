import SwitchboardSupport
import CBLAS
import Switchboard

/// A shard of `SemanticSolver`: the sparse workspace plus its own copy of the dense block
/// (taken at each round's start; `dimensions × stride` floats, small next to the n-gram rows)
/// and its own mini-batch buffers.
final class SemanticShard {
    let sparse: ShardWorkspace
    let dimensions: Int
    let batchSize: Int
    let dense: UnsafeMutablePointer<Float>
    private let inputs: UnsafeMutablePointer<Float>
    private let scores: UnsafeMutablePointer<Float>
    private let gradients: UnsafeMutablePointer<Float>

    init(_ solver: SemanticSolver) {
        let s = solver.sparse
        sparse = ShardWorkspace(labelCount: s.labelCount, stride: s.stride, bucketCount: s.bucketCount)
        dimensions = solver.dimensions
        batchSize = solver.batchSize
        dense = .allocate(capacity: solver.denseCount)
        inputs = .allocate(capacity: batchSize * dimensions)
        scores = .allocate(capacity: batchSize * s.stride)
        gradients = .allocate(capacity: batchSize * s.stride)
        gradients.initialize(repeating: 0, count: batchSize * s.stride)
    }

    deinit {
        dense.deallocate(); inputs.deallocate(); scores.deallocate(); gradients.deallocate()
    }

    /// The shard's examples at `positions` of `order`, in mini-batches as `SemanticSolver.epoch`
    /// takes them: one `sgemm` for a batch's dense scores, one for its dense gradient.
    func run(_ positions: Range<Int>, order: UnsafeBufferPointer<Int>, data: SparseRowsView, pooled: UnsafePointer<Float>,
             weights: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, scale: Float, rate: (Int) -> Float) {
        let d = dimensions, stride = sparse.stride, k = sparse.labelCount
        var start = positions.lowerBound
        var rows = sparse.begin(bias: bias), loss = sparse.loss
        let g = sparse.gradient, shardBias = sparse.bias
        defer { sparse.end(rows); sparse.loss = loss }
        while start < positions.upperBound {
            let m = min(batchSize, positions.upperBound - start)
            for r in 0 ..< m { (inputs + r * d).update(from: pooled + order[start + r] * d, count: d) }
            SerialBLAS.call {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(stride), Int32(d), 1,
                            inputs, Int32(d), dense, Int32(stride), 0, scores, Int32(stride))
            }
            for r in 0 ..< m {
                let s = rows.step(order[start + r], data, lr: rate(start + r), weights: weights, scale: scale,
                                  bias: shardBias, g: g, k: k, extra: scores + r * stride, loss: &loss)
                let row = gradients + r * stride
                for c in 0 ..< k { row[c] = -s * g[c] }
            }
            SerialBLAS.call {
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(d), Int32(stride), Int32(m), 1,
                            inputs, Int32(d), gradients, Int32(stride), 1, dense, Int32(stride))
            }
            start += m
        }
    }
}

extension SemanticSolver {
    /// One epoch of deterministic parallel SGD over both blocks, as `SGDSolver.shardedEpoch`:
    /// each shard also trains its own copy of the dense block, and the copies' changes are
    /// added to it in shard order (BLAS `saxpy`) when the round ends.
    func shardedEpoch(_ data: TrainingData, pooled: [Float], order: [Int], rate: Float, l2: Float, step: inout Int,
                      totalSteps: Int, classWeights: [Float], shards: [SemanticShard], plan: ShardPlan,
                      threads: Int) -> Double {
        let rounds = ShardRounds(plan: plan, count: order.count)
        let inverseTotal = 1 / Float(totalSteps)
        let s = sparse, count = denseCount
        var start = 0
        for shard in shards { shard.sparse.loss = 0 }
        data.rows.rowStart.withUnsafeBufferPointer { rowStart in
        data.rows.buckets.withUnsafeBufferPointer { buckets in
        data.rows.values.withUnsafeBufferPointer { values in
        data.labels.withUnsafeBufferPointer { labels in
        classWeights.withUnsafeBufferPointer { weights in
        order.withUnsafeBufferPointer { order in
        pooled.withUnsafeBufferPointer { pooled in
            let view = UncheckedSendable((SparseRowsView(rowStart: rowStart, buckets: buckets, values: values,
                                                         labels: labels, classWeights: weights), order, pooled, s, shards))
            while start < order.count {
                let first = step, scale = s.weightScale, roundStart = start
                for shard in shards { shard.dense.update(from: dense, count: count) }
                ParallelFor.run(count: plan.shards, threads: threads) { range in
                    let (data, order, pooled, solver, shards) = view.value
                    for i in range {
                        shards[i].run(rounds.positions(roundStart: roundStart, shard: i), order: order, data: data,
                                      pooled: pooled.baseAddress!, weights: solver.weights, bias: solver.bias, scale: scale) { p in
                            rate * max(0, 1 - Float(first + p - roundStart) * inverseTotal)
                        }
                    }
                }
                let end = min(order.count, start + rounds.roundLength)
                combineDense(shards)
                s.combine(shards.map(\.sparse), threads: threads)
                step += end - start
                if l2 > 0 { decay(l2: l2, rate: rate, steps: first ..< step, inverseTotal: inverseTotal) }
                start = end
            }
        }}}}}}}
        let loss = shards.reduce(0.0) { $0 + $1.sparse.loss }
        return order.isEmpty ? 0 : loss / Double(order.count)
    }

    /// The dense block: the mean of the shards' copies, as the sparse rows (every shard touches
    /// it), summed in shard order with BLAS `saxpy`.
    private func combineDense(_ shards: [SemanticShard]) {
        let n = Int32(denseCount), f = 1 / Float(shards.count)
        dense.update(repeating: 0, count: denseCount)
        for shard in shards { SerialBLAS.call { cblas_saxpy(n, f, shard.dense, 1, dense, 1) } }
    }

    /// The round's L2 decay on both blocks: the sparse block's lazy scale and the dense block.
    private func decay(l2: Float, rate: Float, steps: Range<Int>, inverseTotal: Float) {
        let factor = sparse.decay(l2: l2, rate: rate, steps: steps, inverseTotal: inverseTotal)
        SerialBLAS.call { cblas_sscal(Int32(denseCount), factor, dense, 1) }
    }

    /// One shard state per shard of `plan`.
    func shards(_ plan: ShardPlan) -> [SemanticShard] {
        (0 ..< plan.shards).map { _ in SemanticShard(self) }
    }
}
