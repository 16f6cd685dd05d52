import Foundation
import SwitchboardSupport
import CBLAS
import Switchboard

/// The full-batch objective a trained model is refined on: the mean class-weighted
/// cross-entropy over the training rows plus `λ/2 ‖W‖²` (the bias is not penalized), the
/// objective of scikit-learn's `LogisticRegression` with `λ = 1 / (C · rows)`. A warm start
/// replaces the penalty by its `anchor`.
///
/// Parameters are one flat vector: a weight row per bucket the training rows touch (`touched`,
/// in bucket order; other buckets carry no signal and keep their weights), then the dense
/// block's `dimensions` rows, then the bias, each row `stride` floats with zero padding columns.
///
/// Deterministic whatever the thread count: scores are computed row by row, one thread per row;
/// the sparse gradient is split by label columns, so every sum runs over the rows in order; the
/// dense products are single BLAS calls over all rows.
///
/// - Complexity: one evaluation is O(non-zeros × stride + rows × dimensions × stride); memory
///   is `rows × stride` scores plus the compacted copy of the bucket indices.
final class RefinementProblem {
    let rowStart: [Int]
    let columns: [UInt32]
    let values: [Float]
    /// The same non-zeros by touched bucket (compressed sparse columns), rows ascending.
    let columnStart: [Int]
    let columnRows: [UInt32]
    let columnValues: [Float]
    let pooled: [Float]
    let labels: [Int32]
    let rowWeights: [Float]
    let touched: [Int32]
    let labelCount: Int
    let stride: Int
    let dimensions: Int
    let lambda: Float
    /// Replaces `λ/2 ‖W‖²` by a per-label pull toward given weights (a warm start's parent).
    var anchor: RefinementAnchor?
    let threads: Int
    private let scores: UnsafeMutablePointer<Float>
    /// The dense block's share of the scores, computed beside the sparse share (see `forward`).
    private let denseScores: UnsafeMutablePointer<Float>
    private let rowLoss: UnsafeMutablePointer<Double>

    var rows: Int { rowStart.count - 1 }
    var sparseCount: Int { touched.count * stride }
    var denseCount: Int { dimensions * stride }
    /// Length of the parameter vector.
    var count: Int { sparseCount + denseCount + stride }

    init(_ data: TrainingData, pooled: [Float], dimensions: Int, bucketCount: Int, labelCount: Int,
         classWeights: [Float], c: Float, threads: Int) {
        var slot = [Int32](repeating: -1, count: bucketCount)
        for b in data.rows.buckets { slot[Int(b)] = 0 }
        var touched: [Int32] = []
        for b in 0 ..< bucketCount where slot[b] == 0 {
            slot[b] = Int32(touched.count)
            touched.append(Int32(b))
        }
        self.touched = touched
        columns = data.rows.buckets.map { UInt32(slot[Int($0)]) }
        rowStart = data.rows.rowStart
        values = data.rows.values
        (columnStart, columnRows, columnValues) = Self.transpose(rowStart: rowStart, columns: columns, values: values,
                                                                 columnCount: touched.count)
        self.pooled = pooled
        labels = data.labels
        rowWeights = data.labels.map { classWeights[Int($0)] }
        self.labelCount = labelCount
        stride = ModelContents.rowStride(forLabels: labelCount)
        self.dimensions = dimensions
        lambda = 1 / (c * Float(max(data.rows.rows, 1)))
        self.threads = threads
        scores = .allocate(capacity: max(data.rows.rows, 1) * stride)
        denseScores = .allocate(capacity: dimensions > 0 && threads > 1 ? max(data.rows.rows, 1) * stride : 1)
        rowLoss = .allocate(capacity: max(data.rows.rows, 1))
    }

    deinit { scores.deallocate(); denseScores.deallocate(); rowLoss.deallocate() }

    /// CSR to CSC by a counting sort; rows stay ascending within a column.
    static func transpose(rowStart: [Int], columns: [UInt32], values: [Float], columnCount: Int) -> ([Int], [UInt32], [Float]) {
        var start = [Int](repeating: 0, count: columnCount + 1)
        for c in columns { start[Int(c) + 1] += 1 }
        for c in 0 ..< columnCount { start[c + 1] += start[c] }
        var next = start
        var rows = [UInt32](repeating: 0, count: columns.count), vals = [Float](repeating: 0, count: columns.count)
        for r in 0 ..< rowStart.count - 1 {
            for j in rowStart[r] ..< rowStart[r + 1] {
                let c = Int(columns[j])
                rows[next[c]] = UInt32(r); vals[next[c]] = values[j]
                next[c] += 1
            }
        }
        return (start, rows, vals)
    }

    /// Copies the solver's parameters into `x` (touched rows, dense rows, bias).
    func gather(weights: UnsafePointer<Float>, dense: UnsafePointer<Float>?, bias: UnsafePointer<Float>, into x: UnsafeMutablePointer<Float>) {
        for (t, b) in touched.enumerated() { (x + t * stride).update(from: weights + Int(b) * stride, count: stride) }
        if let dense { (x + sparseCount).update(from: dense, count: denseCount) }
        (x + sparseCount + denseCount).update(from: bias, count: stride)
    }

    /// Writes `x` back into the solver's parameters.
    func scatter(_ x: UnsafePointer<Float>, weights: UnsafeMutablePointer<Float>, dense: UnsafeMutablePointer<Float>?, bias: UnsafeMutablePointer<Float>) {
        for (t, b) in touched.enumerated() { (weights + Int(b) * stride).update(from: x + t * stride, count: stride) }
        if let dense { dense.update(from: x + sparseCount, count: denseCount) }
        bias.update(from: x + sparseCount + denseCount, count: stride)
    }

    /// The objective at `x`, with its gradient written to `g`.
    func evaluate(_ x: UnsafePointer<Float>, gradient g: UnsafeMutablePointer<Float>) -> Double {
        forward(x)
        let loss = softmaxGradients(), ridge = penalty(x)
        ParallelVector.zero(count, g, threads: threads)
        backward(into: g)
        let weightCount = sparseCount + denseCount
        if let anchor {
            anchor.addGradient(x, into: g, count: weightCount, threads: threads)
        } else {
            ParallelVector.axpy(weightCount, lambda, x, g, threads: threads)
        }
        return loss + ridge
    }

    /// `λ/2 ‖W‖²` (or the anchor's penalty) in double precision.
    private func penalty(_ x: UnsafePointer<Float>) -> Double {
        let n = sparseCount + denseCount
        if let anchor { return anchor.penalty(x, count: n, threads: threads) }
        return 0.5 * Double(lambda) * ParallelVector.dot(n, x, x, threads: threads)
    }

    /// Scores of every row: bias and sparse rows into `scores`, the dense block by one sgemm.
    /// With several threads the sgemm writes `denseScores` (added in `softmaxGradients`) on one
    /// thread while the others start on the sparse rows: BLAS calls are serial (`SerialBLAS`),
    /// and this hides it. Both ways give the same bits (`scores + AB`, rounded once).
    private func forward(_ x: UnsafePointer<Float>) {
        let n = rows, s = stride, d = dimensions, bias = x + sparseCount + denseCount
        let out = UncheckedSendable(scores), weights = UncheckedSendable(x), biasRow = UncheckedSendable(bias)
        let dense = UncheckedSendable(denseScores), denseWeights = UncheckedSendable(x + sparseCount)
        rowStart.withUnsafeBufferPointer { start in
        columns.withUnsafeBufferPointer { cols in
        values.withUnsafeBufferPointer { vals in
        pooled.withUnsafeBufferPointer { p in
            let view = UncheckedSendable((start, cols, vals, p))
            let separate = separateDense
            ParallelFor.overlapping(count: n, chunk: Self.rowChunk, threads: threads, first: {
                guard separate else { return }
                SerialBLAS.call {
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(s), Int32(d), 1,
                                view.value.3.baseAddress!, Int32(d), denseWeights.value, Int32(s), 0, dense.value, Int32(s))
                }
            }) { range in
                let (start, cols, vals, _) = view.value
                for i in range {
                    let row = out.value + i * s
                    row.update(from: biasRow.value, count: s)
                    BlockedRowSum(rows: weights.value, buckets: cols.baseAddress! + start[i], values: vals.baseAddress! + start[i],
                                  count: start[i + 1] - start[i], dense: nil, pooled: nil, dimensions: 0, stride: s).add(into: row)
                }
            }
            guard d > 0, !separate else { return }
            SerialBLAS.call { // one thread: straight into `scores`, the same sums without the extra pass
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(s), Int32(d), 1,
                            p.baseAddress!, Int32(d), denseWeights.value, Int32(s), 1, out.value, Int32(s))
            }
        }}}}
    }

    /// Whether `forward` computes the dense share apart (to overlap its sgemm with the sparse
    /// rows), which only pays with more than one thread.
    private var separateDense: Bool { dimensions > 0 && threads > 1 }

    /// Turns `scores` into the loss gradient per score, `w (p − y) / rows`, and returns the
    /// mean weighted cross-entropy (rows summed in order, so any thread count gives the same).
    private func softmaxGradients() -> Double {
        let n = rows, s = stride, k = labelCount, scale = 1 / Float(max(n, 1))
        let out = UncheckedSendable(scores), losses = UncheckedSendable(rowLoss)
        let dense = separateDense ? UncheckedSendable(UnsafePointer(denseScores)) : nil
        labels.withUnsafeBufferPointer { y in
        rowWeights.withUnsafeBufferPointer { w in
            let view = UncheckedSendable((y, w))
            ParallelFor.dynamic(count: n, chunk: Self.rowChunk, threads: threads) { range in
                let (y, w) = view.value
                for i in range {
                    let row = out.value + i * s, label = Int(y[i])
                    if let dense { RowKernels.addScaledRow(dense.value + i * s, scale: 1, into: row, count: s) }
                    var m = row[0]
                    for c in 1 ..< k where row[c] > m { m = row[c] }
                    let target = row[label] - m
                    var sum: Float = 0
                    for c in 0 ..< k { let e = expf(row[c] - m); row[c] = e; sum += e }
                    losses.value[i] = Double(w[i]) * (Double(logf(sum)) - Double(target))
                    let g = w[i] * scale / sum
                    for c in 0 ..< k { row[c] *= g }
                    row[label] -= w[i] * scale
                    for c in k ..< s { row[c] = 0 }
                }
            }
        }}
        var total = 0.0
        for i in 0 ..< n { total += rowLoss[i] }
        return total / Double(max(n, 1))
    }

    /// Sparse, dense and bias gradient from the per-score gradients. Each bucket's row gathers
    /// its rows' gradients (the score gradients fit in cache; the weight rows are written once),
    /// buckets split across threads; every sum runs over rows in ascending order. One thread
    /// first computes the dense block's gradient by one sgemm and the bias by summing rows, while
    /// the others start on the buckets.
    private func backward(into g: UnsafeMutablePointer<Float>) {
        let n = rows, s = stride, d = dimensions
        let grad = UncheckedSendable(g), gradients = UncheckedSendable(UnsafePointer(scores))
        let denseGradient = UncheckedSendable(g + sparseCount), biasGradient = UncheckedSendable(g + sparseCount + denseCount)
        columnStart.withUnsafeBufferPointer { start in
        columnRows.withUnsafeBufferPointer { rows in
        columnValues.withUnsafeBufferPointer { vals in
        pooled.withUnsafeBufferPointer { p in
            let view = UncheckedSendable((start, rows, vals, p))
            ParallelFor.overlapping(count: touched.count, chunk: Self.bucketChunk, threads: threads, first: {
                if d > 0 {
                    SerialBLAS.call {
                        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(d), Int32(s), Int32(n), 1,
                                    view.value.3.baseAddress!, Int32(d), gradients.value, Int32(s), 0, denseGradient.value, Int32(s))
                    }
                }
                for i in 0 ..< n { RowKernels.addScaledRow(gradients.value + i * s, scale: 1, into: biasGradient.value, count: s) }
            }) { range in
                let (start, rows, vals, _) = view.value
                for t in range {
                    BlockedRowSum(rows: gradients.value, buckets: rows.baseAddress! + start[t], values: vals.baseAddress! + start[t],
                                  count: start[t + 1] - start[t], dense: nil, pooled: nil, dimensions: 0, stride: s)
                        .add(into: grad.value + t * s)
                }
            }
        }}}}
    }

    /// Rows per block of the forward pass and buckets per block of the backward pass: small
    /// enough that the thread that ran the sgemm finds blocks left, large enough that taking a
    /// block costs nothing next to computing it.
    static let rowChunk = 256
    static let bucketChunk = 512
}
