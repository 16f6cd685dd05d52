import SwitchboardSupport
import Switchboard

/// Examples as compressed sparse rows: row `i` holds `buckets[rowStart[i]..<rowStart[i+1]]`
/// with matching `values`. Memory grows with the number of non-zeros only.
public struct SparseMatrix: Sendable {
    public var rowStart: [Int] = [0]
    public var buckets: [UInt32] = []
    public var values: [Float] = []

    public var rows: Int { rowStart.count - 1 }
    public var nonZeros: Int { buckets.count }

    /// Appends the features held in `scratch`.
    mutating func appendRow(_ scratch: FeatureScratch) {
        buckets.append(contentsOf: scratch.buckets)
        values.append(contentsOf: scratch.values)
        rowStart.append(buckets.count)
    }

    mutating func append(_ other: SparseMatrix) {
        let offset = buckets.count
        buckets.append(contentsOf: other.buckets)
        values.append(contentsOf: other.values)
        rowStart.append(contentsOf: other.rowStart.dropFirst().map { $0 + offset })
    }

    /// Counts features of every text (raw counts) on `threads` threads. Chunks are joined in
    /// index order, so the result does not depend on the thread count.
    static func counts(of texts: [String], extractor: FeatureExtractor, threads: Int) -> SparseMatrix {
        let workers = max(1, min(threads, texts.count / 256 + 1)) // small inputs: not worth a thread
        let chunk = (texts.count + workers - 1) / workers
        var parts = [SparseMatrix](repeating: SparseMatrix(), count: workers)
        parts.withUnsafeMutableBufferPointer { buffer in
            let out = UncheckedSendable(buffer)
            ParallelFor.run(count: workers, threads: workers) { range in
                for w in range {
                    let scratch = FeatureScratch()
                    var m = SparseMatrix()
                    for i in (w * chunk)..<min(texts.count, (w + 1) * chunk) {
                        extractor.countFeatures(of: texts[i], into: scratch)
                        m.appendRow(scratch)
                    }
                    out.value[w] = m
                }
            }
        }
        return joined(parts, threads: workers)
    }

    /// `parts` one after another, each part copied by its own thread: for a large set the join
    /// is gigabytes of fresh pages, which one thread would fault in alone.
    static func joined(_ parts: [SparseMatrix], threads: Int) -> SparseMatrix {
        guard parts.count > 1 else { return parts.first ?? SparseMatrix() }
        var starts = [0], rowStarts = [0]
        for p in parts { starts.append(starts.last! + p.nonZeros); rowStarts.append(rowStarts.last! + p.rows) }
        let offsets = starts, rowOffsets = rowStarts, nonZeros = starts.last!, rows = rowStarts.last!
        func gather<T>(_ count: Int, _ copy: @escaping @Sendable (Int, UnsafeMutablePointer<T>) -> Void) -> [T] {
            [T](unsafeUninitializedCapacity: count) { buffer, initialized in
                let out = UncheckedSendable(buffer.baseAddress)
                ParallelFor.run(count: parts.count, threads: threads) { range in
                    for w in range { if let base = out.value { copy(w, base) } }
                }
                initialized = count
            }
        }
        let shared = UncheckedSendable(parts)
        var all = SparseMatrix()
        all.buckets = gather(nonZeros) { w, base in
            shared.value[w].buckets.withUnsafeBufferPointer { (base + offsets[w]).initialize(from: $0.baseAddress!, count: $0.count) }
        }
        all.values = gather(nonZeros) { w, base in
            shared.value[w].values.withUnsafeBufferPointer { (base + offsets[w]).initialize(from: $0.baseAddress!, count: $0.count) }
        }
        all.rowStart = gather(rows + 1) { w, base in
            if w == 0 { base.initialize(to: 0) }
            let starts = shared.value[w].rowStart, offset = offsets[w]
            for r in 1 ..< starts.count { (base + rowOffsets[w] + r).initialize(to: starts[r] + offset) }
        }
        return all
    }
}
