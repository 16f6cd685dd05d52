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
        let nonZeroStart = parts.reduce(into: [0]) { $0.append($0.last! + $1.nonZeros) }
        let rowOffset = parts.reduce(into: [0]) { $0.append($0.last! + $1.rows) }
        let shared = UncheckedSendable(parts)
        /// `count` elements, part `w` writing its own into the buffer.
        func gather<T>(_ count: Int, _ copy: @escaping @Sendable (Int, UnsafeMutableBufferPointer<T>) -> Void) -> [T] {
            [T](unsafeUninitializedCapacity: count) { buffer, initialized in
                let out = UncheckedSendable(buffer)
                ParallelFor.run(count: parts.count, threads: threads) { range in
                    for w in range { copy(w, out.value) }
                }
                initialized = count
            }
        }
        @Sendable func place<T>(_ elements: [T], at start: Int, in buffer: UnsafeMutableBufferPointer<T>) {
            _ = UnsafeMutableBufferPointer(rebasing: buffer[start ..< start + elements.count]).initialize(fromContentsOf: elements)
        }
        var all = SparseMatrix()
        all.buckets = gather(nonZeroStart.last!) { w, out in place(shared.value[w].buckets, at: nonZeroStart[w], in: out) }
        all.values = gather(nonZeroStart.last!) { w, out in place(shared.value[w].values, at: nonZeroStart[w], in: out) }
        all.rowStart = gather(rowOffset.last! + 1) { w, out in
            if w == 0 { out[0] = 0 }
            place(shared.value[w].rowStart.dropFirst().map { $0 + nonZeroStart[w] }, at: rowOffset[w] + 1, in: out)
        }
        return all
    }
}
