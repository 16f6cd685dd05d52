import CBLAS
import CLAPACKE
import Switchboard

/// How a pack's token vectors are cut down to fewer dimensions for a model.
public enum TableReduction: String, Sendable, CaseIterable {
    /// Project onto the leading principal axes of the token table (`LAPACKE_ssyevd` on the
    /// d × d covariance).
    case pca
    /// Keep the first dimensions (the pack's vectors are Matryoshka-trained).
    case truncate
}

/// Why a table could not be reduced.
public enum ReductionError: Error, Equatable, CustomStringConvertible {
    case badDimensions(requested: Int, available: Int)
    case eigendecompositionFailed(info: Int32)

    public var description: String {
        switch self {
        case let .badDimensions(requested, available):
            "--embedding-dims \(requested) is outside 1...\(available) (the pack's vector length)"
        case let .eigendecompositionFailed(info): "LAPACKE_ssyevd failed (info \(info))"
        }
    }
}

extension TableReduction {
    /// `table` (`rows × dimensions`, row-major) reduced to `rows × keep`. Keeping every
    /// dimension returns the table unchanged, whatever the method.
    public func reduce(_ table: [Float], rows: Int, dimensions d: Int, keep: Int) throws(ReductionError) -> [Float] {
        guard keep >= 1, keep <= d, rows * d == table.count else { throw .badDimensions(requested: keep, available: d) }
        if keep == d { return table }
        switch self {
        case .truncate:
            var out = [Float](repeating: 0, count: rows * keep)
            for r in 0 ..< rows {
                for c in 0 ..< keep { out[r * keep + c] = table[r * d + c] }
            }
            return out
        case .pca:
            let axes = try Self.principalAxes(table, rows: rows, dimensions: d, keep: keep)
            var out = [Float](repeating: 0, count: rows * keep)
            // (rows × d) · (d × keep)
            SerialBLAS.call {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(keep), Int32(d), 1,
                            table, Int32(d), axes, Int32(keep), 0, &out, Int32(keep))
            }
            return out
        }
    }

    /// The `keep` leading eigenvectors of the rows' covariance as a `d × keep` row-major matrix
    /// (column j = axis j, largest variance first), each signed so that its largest-magnitude
    /// component is positive (eigenvectors are defined up to sign; this fixes the model's bytes).
    static func principalAxes(_ table: [Float], rows: Int, dimensions d: Int, keep: Int) throws(ReductionError) -> [Float] {
        var mean = [Float](repeating: 0, count: d)
        for r in 0 ..< rows {
            for c in 0 ..< d { mean[c] += table[r * d + c] }
        }
        for c in 0 ..< d { mean[c] /= Float(rows) }
        // C = Xᵀ X / n − μ μᵀ (BLAS sgemm, then a rank-1 update).
        var covariance = [Float](repeating: 0, count: d * d)
        SerialBLAS.call {
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(d), Int32(d), Int32(rows), 1 / Float(rows),
                        table, Int32(d), table, Int32(d), 0, &covariance, Int32(d))
        }
        SerialBLAS.call { cblas_sger(CblasRowMajor, Int32(d), Int32(d), -1, mean, 1, mean, 1, &covariance, Int32(d)) }
        var eigenvalues = [Float](repeating: 0, count: d)
        let info = SerialBLAS.call {
            LAPACKE_ssyevd(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "V")), Int8(UInt8(ascii: "U")), Int32(d),
                           &covariance, Int32(d), &eigenvalues)
        }
        guard info == 0 else { throw .eigendecompositionFailed(info: info) }
        // Eigenvalues come in ascending order; eigenvector j is column j of the row-major result.
        var axes = [Float](repeating: 0, count: d * keep)
        for j in 0 ..< keep {
            let column = d - 1 - j
            var largest: Float = 0
            for i in 0 ..< d where abs(covariance[i * d + column]) > abs(largest) { largest = covariance[i * d + column] }
            let sign: Float = largest < 0 ? -1 : 1
            for i in 0 ..< d { axes[i * keep + j] = sign * covariance[i * d + column] }
        }
        return axes
    }
}
