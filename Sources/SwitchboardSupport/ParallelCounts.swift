/// Integer histograms counted on several threads and summed: the same result on any number of
/// threads, since integer addition does not depend on order.
package enum ParallelCounts {
    /// Calls `body` with disjoint ranges of `0..<count` and a zeroed histogram of `bins` per
    /// worker, and returns the bin-wise sum.
    ///
    /// - Complexity: O(count + threads × bins) time, threads × bins memory.
    package static func sum(count: Int, bins: Int, threads: Int,
                            _ body: @Sendable (Range<Int>, inout [Int]) -> Void) -> [Int] {
        let workers = max(1, min(threads, count))
        var partial = [[Int]](repeating: [], count: workers)
        partial.withUnsafeMutableBufferPointer { buffer in
            let out = UncheckedSendable(buffer)
            let chunk = (count + workers - 1) / max(workers, 1)
            ParallelFor.run(count: workers, threads: workers) { range in
                for w in range {
                    var counts = [Int](repeating: 0, count: bins)
                    let lo = min(count, w * chunk)
                    body(lo ..< min(count, lo + chunk), &counts)
                    out.value[w] = counts
                }
            }
        }
        var total = partial[0].isEmpty ? [Int](repeating: 0, count: bins) : partial[0]
        for p in partial.dropFirst() where !p.isEmpty { for b in 0 ..< bins { total[b] += p[b] } }
        return total
    }
}
