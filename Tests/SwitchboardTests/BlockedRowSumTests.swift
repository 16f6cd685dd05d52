import Switchboard
import SwitchboardSupport
import Testing

/// The register-blocked row sum must add exactly what the row-at-a-time kernel adds: the same
/// operations per lane in the same order, so the scores are bit-identical.
@Suite struct BlockedRowSumTests {
    private struct Case {
        var floats: [Float], buckets: [UInt32], values: [Float]
        var dense: [Float], pooled: [Float]
    }

    private static func randomCase(stride: Int, rows: Int, features: Int, dimensions: Int,
                                   _ random: inout SplitMix64) -> Case {
        func unit() -> Float { Float(random.next() % 2_000_001) / 1_000_000 - 1 }
        return Case(floats: (0 ..< rows * stride).map { _ in unit() },
                    buckets: (0 ..< features).map { _ in UInt32(random.next() % UInt64(rows)) },
                    values: (0 ..< features).map { _ in unit() },
                    dense: (0 ..< dimensions * stride).map { _ in unit() },
                    pooled: (0 ..< dimensions).map { _ in unit() })
    }

    /// A heap copy of `values` (at least one element), which the caller deallocates.
    private static func copy<T>(_ values: [T]) -> UnsafeMutablePointer<T> {
        let p = UnsafeMutablePointer<T>.allocate(capacity: max(values.count, 1))
        p.initialize(from: values, count: values.count)
        return p
    }

    @Test(arguments: [8, 16, 24, 32, 40, 56, 152, 160])
    func blockedSumsEqualRowByRowSums(stride: Int) {
        var random = SplitMix64(seed: UInt64(stride))
        for (features, dimensions) in [(0, 0), (1, 0), (37, 0), (90, 16), (0, 8)] {
            let c = Self.randomCase(stride: stride, rows: 64, features: features, dimensions: dimensions, &random)
            let start = (0 ..< stride).map { _ in Float(random.next() % 1000) / 100 }
            var rowByRow = start
            for j in 0 ..< features {
                let row = Int(c.buckets[j])
                c.floats.withUnsafeBufferPointer { RowKernels.addScaledRow($0.baseAddress! + row * stride, scale: c.values[j], into: &rowByRow, count: stride) }
            }
            for d in 0 ..< dimensions {
                c.dense.withUnsafeBufferPointer { RowKernels.addScaledRow($0.baseAddress! + d * stride, scale: c.pooled[d], into: &rowByRow, count: stride) }
            }
            var blocked = start
            let floats = Self.copy(c.floats), buckets = Self.copy(c.buckets), values = Self.copy(c.values)
            let dense = Self.copy(c.dense), pooled = Self.copy(c.pooled)
            defer { [floats, values, dense, pooled].forEach { $0.deallocate() }; buckets.deallocate() }
            let (d, p) = dimensions > 0 ? (UnsafePointer(dense), UnsafePointer(pooled)) : (nil, nil)
            BlockedRowSum(rows: floats, buckets: buckets, values: values, count: features, dense: d, pooled: p,
                          dimensions: dimensions, stride: stride).add(into: &blocked)
            #expect(blocked.map(\.bitPattern) == rowByRow.map(\.bitPattern), "stride \(stride), \(features) features, \(dimensions) dims")
        }
    }
}
