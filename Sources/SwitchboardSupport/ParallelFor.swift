import Dispatch
import Synchronization

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

extension ParallelFor {
    /// Runs `first` once and `body` over `0..<count` in blocks of `chunk` indices, all on
    /// `threads` threads: one thread starts with `first`, the others start on the blocks, and
    /// each takes the next free block when done. Which thread computes a block varies from run
    /// to run; callers compute each index on its own (no sums across blocks), so results never
    /// depend on it. Used to hide serial work (a BLAS call) behind parallel work.
    package static func overlapping(count: Int, chunk: Int, threads: Int, first: @Sendable () -> Void,
                                    _ body: @Sendable (Range<Int>) -> Void) {
        let blocks = (count + chunk - 1) / chunk
        guard threads > 1, blocks > 0 else {
            first()
            if count > 0 { body(0 ..< count) }
            return
        }
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: min(threads, blocks + 1)) { worker in
            if worker == 0 { first() }
            while true {
                let b = next.add(1, ordering: .relaxed).oldValue
                guard b < blocks else { return }
                body(b * chunk ..< min(count, (b + 1) * chunk))
            }
        }
    }
}

extension ParallelFor {
    /// Runs `body` over `0..<count` in blocks of `chunk` indices on `threads` threads, each
    /// thread taking the next free block when done, so a thread slowed by other work (a busy
    /// core, an efficiency core) takes fewer blocks instead of holding the others up. Which
    /// thread computes a block varies from run to run; callers compute each index on its own
    /// (no sums across blocks), so results never depend on it. One thread: one call, in order.
    package static func dynamic(count: Int, chunk: Int, threads: Int, _ body: @Sendable (Range<Int>) -> Void) {
        overlapping(count: count, chunk: chunk, threads: threads, first: {}, body)
    }
}

extension ParallelFor {
    /// Runs two independent pieces of work at the same time (`overlapping` with one block) and
    /// returns both results; on one core, one after the other.
    package static func both<A, B>(_ first: () -> A, _ second: () -> B) -> (A, B) {
        var a: A? = nil
        var b: B? = nil
        withoutActuallyEscaping(first) { first in
        withoutActuallyEscaping(second) { second in
        withUnsafeMutablePointer(to: &a) { pa in
        withUnsafeMutablePointer(to: &b) { pb in
            let shared = UncheckedSendable((first, second, pa, pb))
            overlapping(count: 1, chunk: 1, threads: 2, first: { shared.value.2.pointee = shared.value.0() }) { _ in
                shared.value.3.pointee = shared.value.1()
            }
        }}}}
        return (a!, b!)
    }
}
