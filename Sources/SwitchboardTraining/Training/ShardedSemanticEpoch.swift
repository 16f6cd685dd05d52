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
            SemanticSolver.scores(of: inputs, rows: m, dimensions: d, dense: dense, stride: stride, into: scores)
            for r in 0 ..< m {
                let s = rows.step(order[start + r], data, lr: rate(start + r), weights: weights, scale: scale,
                                  bias: shardBias, g: g, k: k, extra: scores + r * stride, loss: &loss)
                let row = gradients + r * stride
                for c in 0 ..< k { row[c] = -s * g[c] }
            }
            SemanticSolver.accumulate(inputs, rows: m, dimensions: d, gradients: gradients, stride: stride,
                                      decay: 1, into: dense)
            start += m
        }
    }
}

extension SemanticSolver {
    /// One epoch of deterministic parallel SGD over both blocks, as `SGDSolver.shardedEpoch`:
    /// each shard also trains its own copy of the dense block, and the copies are averaged
    /// into it in shard order (BLAS `saxpy`) when the round ends; L2 decays both blocks once
    /// per round.
    func shardedEpoch(_ data: TrainingData, pooled: [Float], order: [Int], rate: Float, l2: Float, step: inout Int,
                      totalSteps: Int, classWeights: [Float], shards: [SemanticShard], plan: ShardPlan,
                      threads: Int) -> Double {
        let rounds = ShardRounds(plan: plan, count: order.count), schedule = LinearRate(rate: rate, totalSteps: totalSteps)
        let s = sparse, sparseShards = shards.map(\.sparse)
        for shard in sparseShards { shard.loss = 0 }
        data.withView(classWeights: classWeights, order: order) { data, order in
        pooled.withUnsafeBufferPointer { pooled in
            let view = UncheckedSendable((data, order, pooled, s, shards))
            rounds.forEach(step: &step, { roundStart, first in
                let scale = s.weightScale
                for shard in shards { shard.dense.update(from: dense, count: denseCount) }
                ParallelFor.dynamic(count: plan.shards, chunk: 1, threads: threads) { range in
                    let (data, order, pooled, solver, shards) = view.value
                    for i in range {
                        shards[i].run(rounds.positions(roundStart: roundStart, shard: i), order: order, data: data,
                                      pooled: pooled.baseAddress!, weights: solver.weights, bias: solver.bias, scale: scale) {
                            schedule.at(first + $0 - roundStart)
                        }
                    }
                }
                combineDense(shards)
                s.combine(sparseShards, threads: threads)
            }, after: { steps in
                guard l2 > 0 else { return }
                let factor = schedule.decay(l2: l2, over: steps)
                s.decay(by: factor)
                SerialBLAS.call { cblas_sscal(Int32(denseCount), factor, dense, 1) }
            })
        }}
        let loss = sparseShards.reduce(0.0) { $0 + $1.loss }
        return order.isEmpty ? 0 : loss / Double(order.count)
    }

    /// The dense block: the mean of the shards' copies, as the sparse rows (every shard touches
    /// it), summed in shard order with BLAS `saxpy`.
    private func combineDense(_ shards: [SemanticShard]) {
        let n = Int32(denseCount), f = 1 / Float(shards.count)
        dense.update(repeating: 0, count: denseCount)
        for shard in shards { SerialBLAS.call { cblas_saxpy(n, f, shard.dense, 1, dense, 1) } }
    }

    /// One shard state per shard of `plan`.
    func shards(_ plan: ShardPlan) -> [SemanticShard] {
        (0 ..< plan.shards).map { _ in SemanticShard(self) }
    }
}
