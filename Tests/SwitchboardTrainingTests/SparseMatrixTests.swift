import Switchboard
import SwitchboardSupport
@testable import SwitchboardTraining
import Testing

/// The parallel join of featurized chunks gives the rows one after another, as appending does,
/// empty chunks included; and featurizing on several threads gives the one-thread matrix.
@Test func joinedChunksEqualAppendedChunks() {
    var rng = SplitMix64(seed: 9)
    func part(rows: Int) -> SparseMatrix {
        var m = SparseMatrix()
        for _ in 0 ..< rows {
            let n = Int(rng.next() % 6)
            for _ in 0 ..< n { m.buckets.append(UInt32(rng.next() % 1000)); m.values.append(Float(rng.next() % 100) / 10) }
            m.rowStart.append(m.buckets.count)
        }
        return m
    }
    let parts = [part(rows: 5), part(rows: 0), part(rows: 7), part(rows: 1)]
    var appended = SparseMatrix()
    for p in parts {
        appended.rowStart += p.rowStart.dropFirst().map { $0 + appended.buckets.count }
        appended.buckets += p.buckets
        appended.values += p.values
    }
    for threads in [1, 2, 3] {
        let joined = SparseMatrix.joined(parts, threads: threads)
        #expect(joined.rowStart == appended.rowStart && joined.buckets == appended.buckets && joined.values == appended.values)
    }
    let texts = (0 ..< 3000).map { "query number \($0 % 97) about \($0 % 13)" }
    let extractor = FeatureExtractor(FeatureConfiguration())
    let one = SparseMatrix.counts(of: texts, extractor: extractor, threads: 1)
    let two = SparseMatrix.counts(of: texts, extractor: extractor, threads: 2)
    #expect(one.rowStart == two.rowStart && one.buckets == two.buckets && one.values == two.values)
}
