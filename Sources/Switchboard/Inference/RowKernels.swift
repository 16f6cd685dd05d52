#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Dense kernels on short float rows (one row = one label per lane). Plain loops over
/// pointers: measured here, a BLAS call per row loses to these at 20–150 floats.
@usableFromInline package enum RowKernels {
    /// `out[0..<count] += scale * row[0..<count]`. The loop vectorizes by itself.
    @inlinable @inline(__always)
    @usableFromInline package static func addScaledRow(_ row: UnsafePointer<Float>, scale: Float,
                                    into out: UnsafeMutablePointer<Float>, count: Int) {
        for c in 0..<count { out[c] += scale * row[c] }
    }

    /// `out[0..<count] += scale * Float(row[c])` for an int8 weight row, `scale` being the
    /// feature value times the row's scale. The loop vectorizes by itself (sign-extend 8 → 32
    /// bits, convert, multiply-add), so a query reads a quarter of the float row's bytes.
    @inlinable @inline(__always)
    @usableFromInline package static func addScaledInt8Row(_ row: UnsafePointer<Int8>, scale: Float,
                                        into out: UnsafeMutablePointer<Float>, count: Int) {
        for c in 0..<count { out[c] += scale * Float(row[c]) }
    }

    /// `out[c] = max(out[c], scale * Float(row[c]))` for an int8 table row. The loop vectorizes
    /// by itself.
    @inlinable @inline(__always)
    @usableFromInline package static func maxScaledInt8Row(_ row: UnsafePointer<Int8>, scale: Float,
                                        into out: UnsafeMutablePointer<Float>, count: Int) {
        for c in 0..<count { out[c] = max(out[c], scale * Float(row[c])) }
    }

    /// In-place softmax (max-shifted for stability).
    @inlinable
    @usableFromInline package static func softmax(_ x: UnsafeMutablePointer<Float>, count: Int) {
        guard count > 0 else { return }
        var m = x[0]
        for c in 1..<max(count, 1) where x[c] > m { m = x[c] }
        var sum: Float = 0
        for c in 0..<count { let e = expf(x[c] - m); x[c] = e; sum += e }
        let inv = 1 / sum
        for c in 0..<count { x[c] *= inv }
    }

    /// The indices of the `maximum` largest values, largest first, equal values in index order
    /// (what a stable sort by decreasing value gives), by insertion into a short list.
    ///
    /// - Complexity: O(`count` × `maximum`) comparisons at worst, O(`count`) when most values
    ///   fall below the list's last; it replaces a full sort of every label per ranked answer.
    @inlinable
    package static func topIndices(_ x: UnsafePointer<Float>, count: Int, maximum: Int) -> [Int] {
        let m = min(max(maximum, 0), count)
        var top: [Int] = []
        guard m > 0 else { return top }
        top.reserveCapacity(m)
        for i in 0..<count {
            let v = x[i]
            if top.count == m {
                guard v > x[top[m - 1]] else { continue } // an equal value keeps the earlier index
                top.removeLast()
            }
            var j = top.count
            while j > 0 && x[top[j - 1]] < v { j -= 1 }
            top.insert(i, at: j)
        }
        return top
    }

    /// Top-1 index with its probability and the runner-up's, from raw scores, without
    /// normalizing the whole vector in place.
    @inlinable
    @usableFromInline package static func softmaxTop2(_ x: UnsafePointer<Float>, count: Int) -> Prediction {
        var best = 0, second = -1
        for c in 1..<max(count, 1) {
            if x[c] > x[best] { second = best; best = c }
            else if second < 0 || x[c] > x[second] { second = c }
        }
        let m = x[best]
        var sum: Float = 0
        for c in 0..<count { sum += expf(x[c] - m) }
        let runnerUp = second >= 0 ? expf(x[second] - m) / sum : 0
        return Prediction(labelIndex: best, probability: 1 / sum, runnerUpProbability: runnerUp)
    }
}
