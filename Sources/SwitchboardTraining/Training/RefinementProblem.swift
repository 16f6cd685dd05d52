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
        rowLoss = .allocate(capacity: max(data.rows.rows, 1))
    }

    deinit { scores.deallocate(); rowLoss.deallocate() }

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
        let n = rows
        forward(x)
        let loss = softmaxGradients(), ridge = penalty(x)
        g.initialize(repeating: 0, count: count)
        backward(into: g)
        if dimensions > 0 {
            pooled.withUnsafeBufferPointer { p in
                SerialBLAS.call {
                    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(dimensions), Int32(stride), Int32(n), 1,
                                p.baseAddress!, Int32(dimensions), scores, Int32(stride), 0, g + sparseCount, Int32(stride))
                }
            }
        }
        let weightCount = Int32(sparseCount + denseCount)
        if let anchor {
            anchor.addGradient(x, into: g, count: sparseCount + denseCount)
        } else {
            SerialBLAS.call { cblas_saxpy(weightCount, lambda, x, 1, g, 1) }
        }
        return loss + ridge
    }

    /// `λ/2 ‖W‖²` (or the anchor's penalty) in double precision.
    private func penalty(_ x: UnsafePointer<Float>) -> Double {
        let n = sparseCount + denseCount
        if let anchor { return anchor.penalty(x, count: n) }
        return 0.5 * Double(lambda) * SerialBLAS.call { cblas_dsdot(Int32(n), x, 1, x, 1) }
    }

    /// Scores of every row into `scores`: bias, sparse rows, then the dense block by one sgemm.
    private func forward(_ x: UnsafePointer<Float>) {
        let n = rows, s = stride, bias = x + sparseCount + denseCount
        let out = UncheckedSendable(scores), weights = UncheckedSendable(x), biasRow = UncheckedSendable(bias)
        rowStart.withUnsafeBufferPointer { start in
        columns.withUnsafeBufferPointer { cols in
        values.withUnsafeBufferPointer { vals in
            let view = UncheckedSendable((start, cols, vals))
            ParallelFor.run(count: n, threads: threads) { range in
                let (start, cols, vals) = view.value
                for i in range {
                    let row = out.value + i * s
                    row.update(from: biasRow.value, count: s)
                    BlockedRowSum(rows: weights.value, buckets: cols.baseAddress! + start[i], values: vals.baseAddress! + start[i],
                                  count: start[i + 1] - start[i], dense: nil, pooled: nil, dimensions: 0, stride: s).add(into: row)
                }
            }
        }}}
        guard dimensions > 0 else { return }
        pooled.withUnsafeBufferPointer { p in
            SerialBLAS.call {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(s), Int32(dimensions), 1,
                            p.baseAddress!, Int32(dimensions), x + sparseCount, Int32(s), 1, scores, Int32(s))
            }
        }
    }

    /// Turns `scores` into the loss gradient per score, `w (p − y) / rows`, and returns the
    /// mean weighted cross-entropy (rows summed in order, so any thread count gives the same).
    private func softmaxGradients() -> Double {
        let n = rows, s = stride, k = labelCount, scale = 1 / Float(max(n, 1))
        let out = UncheckedSendable(scores), losses = UncheckedSendable(rowLoss)
        labels.withUnsafeBufferPointer { y in
        rowWeights.withUnsafeBufferPointer { w in
            let view = UncheckedSendable((y, w))
            ParallelFor.run(count: n, threads: threads) { range in
                let (y, w) = view.value
                for i in range {
                    let row = out.value + i * s, label = Int(y[i])
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

    /// Sparse and bias gradient from the per-score gradients. Each bucket's row gathers its rows'
    /// gradients (the score gradients fit in cache; the weight rows are written once), buckets
    /// split across threads; every sum runs over rows in ascending order.
    private func backward(into g: UnsafeMutablePointer<Float>) {
        let s = stride, grad = UncheckedSendable(g), gradients = UncheckedSendable(UnsafePointer(scores))
        columnStart.withUnsafeBufferPointer { start in
        columnRows.withUnsafeBufferPointer { rows in
        columnValues.withUnsafeBufferPointer { vals in
            let view = UncheckedSendable((start, rows, vals))
            ParallelFor.run(count: touched.count, threads: threads) { range in
                let (start, rows, vals) = view.value
                for t in range {
                    BlockedRowSum(rows: gradients.value, buckets: rows.baseAddress! + start[t], values: vals.baseAddress! + start[t],
                                  count: start[t + 1] - start[t], dense: nil, pooled: nil, dimensions: 0, stride: s)
                        .add(into: grad.value + t * s)
                }
            }
        }}}
        let bias = g + sparseCount + denseCount
        for i in 0 ..< rows { RowKernels.addScaledRow(scores + i * s, scale: 1, into: bias, count: s) }
    }
}
