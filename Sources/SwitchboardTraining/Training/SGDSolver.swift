import SwitchboardSupport
import CBLAS
import Foundation
import Switchboard

/// Multinomial logistic regression by stochastic gradient descent over sparse rows.
///
/// Weights are feature-major (`w[bucket * stride + label]`), so one example touches one
/// contiguous row per feature: the forward pass sums rows, the backward pass adds a scaled
/// copy of the gradient to the same rows. `epoch` is the sequential pass (`--shards 1`), its
/// order fixed by the seed; `shardedEpoch` (ShardedEpoch.swift) runs the same steps in shards on
/// several threads, still independent of the thread count.
final class SGDSolver {
    let labelCount: Int
    let stride: Int
    let bucketCount: Int
    /// `bucketCount * stride` weights, then nothing else: the dense parameter block.
    let weights: UnsafeMutablePointer<Float>
    let bias: UnsafeMutablePointer<Float>
    let gradient: UnsafeMutablePointer<Float>

    init(labelCount: Int, bucketCount: Int) {
        self.labelCount = labelCount
        stride = ModelContents.rowStride(forLabels: labelCount)
        self.bucketCount = bucketCount
        weights = .allocate(capacity: bucketCount * stride)
        weights.initialize(repeating: 0, count: bucketCount * stride)
        bias = .allocate(capacity: stride)
        bias.initialize(repeating: 0, count: stride)
        gradient = .allocate(capacity: stride)
        gradient.initialize(repeating: 0, count: stride)
    }

    deinit {
        weights.deallocate(); bias.deallocate(); gradient.deallocate()
    }

    var parameterCount: Int { bucketCount * stride }

    /// Scale of the stored weights: the model's weights are `weightScale * weights`. L2 decay
    /// multiplies this scalar instead of touching every weight each step (the classic lazy
    /// trick of Shalev-Shwartz et al.); `materializeScale` folds it back with one BLAS `sscal`.
    var weightScale: Float = 1

    /// One pass over `order`. `step` counts SGD steps taken so far across epochs; the rate
    /// decays linearly from `rate` to 0 over `totalSteps`. Returns the mean training loss.
    func epoch(_ data: TrainingData, order: [Int], rate: Float, l2: Float, step: inout Int,
               totalSteps: Int, classWeights: [Float]) -> Double {
        var loss = 0.0
        let k = labelCount
        data.rows.rowStart.withUnsafeBufferPointer { rowStart in
        data.rows.buckets.withUnsafeBufferPointer { buckets in
        data.rows.values.withUnsafeBufferPointer { values in
        data.labels.withUnsafeBufferPointer { labels in
        classWeights.withUnsafeBufferPointer { classWeight in
            let inverseTotal = 1 / Float(totalSteps)
            var wScale = weightScale
            for i in order {
                let lr = rate * max(0, 1 - Float(step) * inverseTotal)
                step += 1
                let lo = rowStart[i], hi = rowStart[i + 1]
                let g = gradient
                g.update(from: bias, count: k)
                for j in lo..<hi {
                    RowKernels.addScaledRow(weights + Int(buckets[j]) * stride, scale: wScale * values[j], into: g, count: k)
                }
                RowKernels.softmax(g, count: k)
                let y = Int(labels[i])
                loss -= Double(logf(max(g[y], 1e-30)))  // 1e-30: keeps log finite for a certain miss
                g[y] -= 1
                let scale = lr * classWeight[y]
                for c in 0..<k { bias[c] -= scale * g[c] }
                if l2 > 0 {
                    wScale *= max(1 - lr * l2, 0.5) // 0.5: a step never more than halves the weights
                    if wScale < 1e-3 { materialize(wScale); wScale = 1 } // 1e-3: keeps 1/scale well inside float range
                }
                let update = -scale / wScale
                for j in lo..<hi {
                    RowKernels.addScaledRow(g, scale: update * values[j], into: weights + Int(buckets[j]) * stride, count: k)
                }
            }
            weightScale = wScale
        }}}}}
        return order.isEmpty ? 0 : loss / Double(order.count)
    }

    /// Multiplies every stored weight by `scale` (BLAS `sscal` over the whole parameter block).
    func materialize(_ scale: Float) {
        SerialBLAS.call { cblas_sscal(Int32(parameterCount), scale, weights, 1) }
    }

    /// Folds `weightScale` into the weights so they can be saved or scored directly.
    func materializeScale() {
        if weightScale != 1 { materialize(weightScale); weightScale = 1 }
    }

    /// Accuracy on `data` (labels < 0 are unknown to the model and count as errors),
    /// scored on `threads` threads.
    func accuracy(_ data: TrainingData, threads: Int) -> Double {
        let n = data.rows.rows
        guard n > 0 else { return 0 }
        var hit = [Bool](repeating: false, count: n)
        let rows = data.rows, labels = data.labels
        let view = UncheckedSendable(SolverView(weights: weights, bias: bias, labelCount: labelCount, stride: stride))
        hit.withUnsafeMutableBufferPointer { buffer in
            let out = UncheckedSendable(buffer)
            ParallelFor.run(count: n, threads: threads) { range in
                let scores = UnsafeMutablePointer<Float>.allocate(capacity: view.value.stride)
                defer { scores.deallocate() }
                for i in range { out.value[i] = view.value.predict(rows, row: i, scores: scores) == Int(labels[i]) }
            }
        }
        return Double(hit.lazy.filter { $0 }.count) / Double(n)
    }
}

/// A read-only view of solver parameters for concurrent scoring.
struct SolverView {
    let weights: UnsafeMutablePointer<Float>
    let bias: UnsafeMutablePointer<Float>
    let labelCount: Int
    let stride: Int

    func predict(_ rows: SparseMatrix, row i: Int, scores: UnsafeMutablePointer<Float>) -> Int {
        let k = labelCount
        scores.update(from: bias, count: k)
        rows.buckets.withUnsafeBufferPointer { buckets in
            rows.values.withUnsafeBufferPointer { values in
                for j in rows.rowStart[i]..<rows.rowStart[i + 1] {
                    RowKernels.addScaledRow(weights + Int(buckets[j]) * stride, scale: values[j], into: scores, count: k)
                }
            }
        }
        var best = 0
        for c in 1..<max(k, 1) where scores[c] > scores[best] { best = c }
        return best
    }
}
