import SwitchboardSupport
import CBLAS
import Foundation
import Switchboard

/// The trainer for a model with a semantic block: one softmax over
/// [hashed n-grams ; α · pooled token vector].
///
/// The sparse block is trained exactly as `SGDSolver` trains it (one example at a time, lazy L2
/// scale). The dense block is trained in mini-batches: the batch's dense scores are one BLAS
/// `sgemm` (batch × d by d × K) before its examples are visited, and its gradient is one `sgemm`
/// (d × batch by batch × K) after. Order and batches are fixed by the seed, so the model never
/// depends on the thread count.
final class SemanticSolver {
    let sparse: SGDSolver
    let dimensions: Int
    let batchSize: Int
    /// `dimensions × stride` dense weights, dimension-major; padding columns stay zero.
    let dense: UnsafeMutablePointer<Float>
    private let batchInputs: UnsafeMutablePointer<Float>
    private let batchScores: UnsafeMutablePointer<Float>
    private let batchGradients: UnsafeMutablePointer<Float>

    init(labelCount: Int, bucketCount: Int, dimensions: Int, batchSize: Int) {
        sparse = SGDSolver(labelCount: labelCount, bucketCount: bucketCount)
        self.dimensions = dimensions
        self.batchSize = batchSize
        let s = sparse.stride
        dense = .allocate(capacity: dimensions * s)
        dense.initialize(repeating: 0, count: dimensions * s)
        batchInputs = .allocate(capacity: batchSize * dimensions)
        batchScores = .allocate(capacity: batchSize * s)
        batchGradients = .allocate(capacity: batchSize * s)
        batchGradients.initialize(repeating: 0, count: batchSize * s)
    }

    deinit {
        dense.deallocate(); batchInputs.deallocate(); batchScores.deallocate(); batchGradients.deallocate()
    }

    var denseCount: Int { dimensions * sparse.stride }

    /// One pass over `order`; `pooled` holds one row of `dimensions` floats per example (α
    /// included). The learning rate decays linearly over `totalSteps` as in `SGDSolver.epoch`.
    /// Returns the mean training loss.
    func epoch(_ data: TrainingData, pooled: [Float], order: [Int], rate: Float, l2: Float, step: inout Int,
               totalSteps: Int, classWeights: [Float]) -> Double {
        var loss = 0.0
        let s = sparse, k = s.labelCount, stride = s.stride, d = dimensions
        let inverseTotal = 1 / Float(totalSteps)
        data.rows.rowStart.withUnsafeBufferPointer { rowStart in
        data.rows.buckets.withUnsafeBufferPointer { buckets in
        data.rows.values.withUnsafeBufferPointer { values in
        data.labels.withUnsafeBufferPointer { labels in
        pooled.withUnsafeBufferPointer { x in
            var wScale = s.weightScale
            var start = 0
            while start < order.count {
                let m = min(batchSize, order.count - start)
                for r in 0 ..< m { (batchInputs + r * d).update(from: x.baseAddress! + order[start + r] * d, count: d) }
                scoreBatch(rows: m)
                var decay: Float = 1
                for r in 0 ..< m {
                    let i = order[start + r]
                    let lr = rate * max(0, 1 - Float(step) * inverseTotal)
                    step += 1
                    let lo = rowStart[i], hi = rowStart[i + 1]
                    let g = s.gradient
                    g.update(from: s.bias, count: k)
                    RowKernels.addScaledRow(batchScores + r * stride, scale: 1, into: g, count: k)
                    for j in lo ..< hi {
                        RowKernels.addScaledRow(s.weights + Int(buckets[j]) * stride, scale: wScale * values[j], into: g, count: k)
                    }
                    RowKernels.softmax(g, count: k)
                    let y = Int(labels[i])
                    loss -= Double(logf(max(g[y], 1e-30)))
                    g[y] -= 1
                    let scale = lr * classWeights[y]
                    for c in 0 ..< k { s.bias[c] -= scale * g[c] }
                    if l2 > 0 {
                        let factor = max(1 - lr * l2, 0.5)
                        wScale *= factor
                        decay *= factor
                        if wScale < 1e-3 { s.materialize(wScale); wScale = 1 }
                    }
                    let update = -scale / wScale
                    for j in lo ..< hi {
                        RowKernels.addScaledRow(g, scale: update * values[j], into: s.weights + Int(buckets[j]) * stride, count: k)
                    }
                    let row = batchGradients + r * stride
                    for c in 0 ..< k { row[c] = -scale * g[c] }
                }
                applyBatch(rows: m, decay: decay)
                start += m
            }
            s.weightScale = wScale
        }}}}}
        return order.isEmpty ? 0 : loss / Double(order.count)
    }

    /// batchScores ← X · dense for the `rows` pooled inputs staged in `batchInputs`.
    private func scoreBatch(rows m: Int) {
        Self.scores(of: batchInputs, rows: m, dimensions: dimensions, dense: dense, stride: sparse.stride, into: batchScores)
    }

    /// dense ← decay · dense + Xᵀ G, with G the scaled gradients staged in `batchGradients`.
    private func applyBatch(rows m: Int, decay: Float) {
        Self.accumulate(batchInputs, rows: m, dimensions: dimensions, gradients: batchGradients, stride: sparse.stride,
                        decay: decay, into: dense)
    }

    /// out ← X · dense: a mini-batch's dense scores (BLAS `sgemm`, `rows` × `dimensions` by
    /// `dimensions` × `stride`).
    static func scores(of inputs: UnsafePointer<Float>, rows m: Int, dimensions d: Int, dense: UnsafePointer<Float>,
                       stride: Int, into out: UnsafeMutablePointer<Float>) {
        SerialBLAS.call {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(stride), Int32(d), 1,
                        inputs, Int32(d), dense, Int32(stride), 0, out, Int32(stride))
        }
    }

    /// dense ← decay · dense + Xᵀ G: a mini-batch's dense update (BLAS `sgemm`).
    static func accumulate(_ inputs: UnsafePointer<Float>, rows m: Int, dimensions d: Int, gradients: UnsafePointer<Float>,
                           stride: Int, decay: Float, into dense: UnsafeMutablePointer<Float>) {
        SerialBLAS.call {
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(d), Int32(stride), Int32(m), 1,
                        inputs, Int32(d), gradients, Int32(stride), decay, dense, Int32(stride))
        }
    }

    /// Accuracy on `data` with its pooled rows (labels < 0 count as errors), on `threads` threads.
    func accuracy(_ data: TrainingData, pooled: [Float], threads: Int) -> Double {
        let n = data.rows.rows
        guard n > 0 else { return 0 }
        var hit = [Bool](repeating: false, count: n)
        let rows = data.rows, labels = data.labels
        let s = sparse, d = dimensions
        let view = UncheckedSendable((SolverView(weights: s.weights, bias: s.bias, labelCount: s.labelCount, stride: s.stride),
                                      dense))
        hit.withUnsafeMutableBufferPointer { buffer in
            let out = UncheckedSendable(buffer)
            ParallelFor.run(count: n, threads: threads) { range in
                let (sparseView, dense) = view.value
                let scores = UnsafeMutablePointer<Float>.allocate(capacity: sparseView.stride)
                defer { scores.deallocate() }
                pooled.withUnsafeBufferPointer { x in
                    for i in range {
                        let k = sparseView.labelCount, stride = sparseView.stride
                        scores.update(from: sparseView.bias, count: k)
                        rows.buckets.withUnsafeBufferPointer { buckets in
                            rows.values.withUnsafeBufferPointer { values in
                                for j in rows.rowStart[i] ..< rows.rowStart[i + 1] {
                                    RowKernels.addScaledRow(sparseView.weights + Int(buckets[j]) * stride, scale: values[j], into: scores, count: k)
                                }
                            }
                        }
                        for c in 0 ..< d { RowKernels.addScaledRow(dense + c * stride, scale: x[i * d + c], into: scores, count: k) }
                        var best = 0
                        for c in 1 ..< max(k, 1) where scores[c] > scores[best] { best = c }
                        out.value[i] = best == Int(labels[i])
                    }
                }
            }
        }
        return Double(hit.lazy.filter { $0 }.count) / Double(n)
    }

    /// The sparse weights, bias and dense weights, copied with BLAS `scopy`.
    func save(into buffer: [Float]) -> [Float] {
        var out = Trainer.save(sparse, into: buffer.count >= denseCount ? Array(buffer.dropLast(denseCount)) : [])
        out += [Float](repeating: 0, count: denseCount)
        out.withUnsafeMutableBufferPointer { b in
            SerialBLAS.call { cblas_scopy(Int32(denseCount), dense, 1, b.baseAddress! + (b.count - denseCount), 1) }
        }
        return out
    }

    func restore(from buffer: [Float]) {
        Trainer.restore(sparse, from: Array(buffer.dropLast(denseCount)))
        buffer.withUnsafeBufferPointer { b in
            SerialBLAS.call { cblas_scopy(Int32(denseCount), b.baseAddress! + (b.count - denseCount), 1, dense, 1) }
        }
    }
}
