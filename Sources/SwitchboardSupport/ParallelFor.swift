import Dispatch

/// Wraps a value the caller guarantees is used safely across threads (disjoint writes).
package struct UncheckedSendable<Value>: @unchecked Sendable {
    package var value: Value
    package init(_ value: Value) { self.value = value }
}

/// Splits `0..<count` into `threads` contiguous chunks and runs them concurrently.
/// Chunking is by index only, so results written per index never depend on the thread count.
package enum ParallelFor {
    package static func run(count: Int, threads: Int, _ body: @Sendable (Range<Int>) -> Void) {
        let workers = max(1, min(threads, count))
        if workers == 1 { body(0..<count); return }
        let chunk = (count + workers - 1) / workers
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let lo = w * chunk
            let hi = min(count, lo + chunk)
            if lo < hi { body(lo..<hi) }
        }
    }
}
