import Foundation

/// Integer histograms counted on several threads and summed: the same result on any number of
/// threads, since integer addition does not depend on order.
package enum ParallelCounts {
    /// Calls `body` with the ranges `ParallelFor` cuts `0..<count` into and a zeroed histogram of
    /// `bins` for each, and returns the bin-wise sum.
    ///
    /// - Complexity: O(count + threads × bins) time, threads × bins memory.
    package static func sum(count: Int, bins: Int, threads: Int,
                            _ body: @Sendable (Range<Int>, inout [Int]) -> Void) -> [Int] {
        var total = [Int](repeating: 0, count: bins)
        let lock = NSLock()
        total.withUnsafeMutableBufferPointer { buffer in
            let out = UncheckedSendable(buffer)
            ParallelFor.run(count: count, threads: threads) { range in
                var counts = [Int](repeating: 0, count: bins)
                body(range, &counts)
                lock.withLock { for b in 0 ..< bins { out.value[b] += counts[b] } }
            }
        }
        return total
    }
}
