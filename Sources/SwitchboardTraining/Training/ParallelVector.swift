import CBLAS
import SwitchboardSupport

/// BLAS level-1 work (`saxpy`, `scopy`, `sscal`, `dsdot`) on long vectors, split over threads
/// in fixed blocks.
///
/// Every element gets the same bits as from one whole-vector call, whatever the thread count:
/// blocks start at multiples of `block` elements, a multiple of every kernel's unroll, so the
/// kernels meet the same element runs and only the vector's last elements take the scalar tail,
/// as in one call. A dot product is the sum, in block order, of each block's `dsdot`: the
/// blocks never depend on the thread count, so neither does the sum. These routines use no
/// buffer of the library's (unlike `sgemm`, see `SerialBLAS`), so blocks run concurrently.
///
/// - Complexity: O(n) work over `threads` threads.
enum ParallelVector {
    /// Elements per block (256 kB of floats): far more work than handing a block to a thread.
    static let block = 1 << 16

    /// `y += alpha · x` over `n` elements.
    static func axpy(_ n: Int, _ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, threads: Int) {
        let xs = UncheckedSendable(x), ys = UncheckedSendable(y)
        blocks(n, threads: threads) { start, count in
            cblas_saxpy(Int32(count), alpha, xs.value + start, 1, ys.value + start, 1)
        }
    }

    /// `y = x` over `n` elements.
    static func copy(_ n: Int, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, threads: Int) {
        let xs = UncheckedSendable(x), ys = UncheckedSendable(y)
        blocks(n, threads: threads) { start, count in cblas_scopy(Int32(count), xs.value + start, 1, ys.value + start, 1) }
    }

    /// `x *= alpha` over `n` elements.
    static func scale(_ n: Int, _ alpha: Float, _ x: UnsafeMutablePointer<Float>, threads: Int) {
        let xs = UncheckedSendable(x)
        blocks(n, threads: threads) { start, count in cblas_sscal(Int32(count), alpha, xs.value + start, 1) }
    }

    /// `x = 0` over `n` elements.
    static func zero(_ n: Int, _ x: UnsafeMutablePointer<Float>, threads: Int) {
        let xs = UncheckedSendable(x)
        blocks(n, threads: threads) { start, count in (xs.value + start).update(repeating: 0, count: count) }
    }

    /// `Σ x[i]·y[i]` over `n` elements, accumulated in double precision.
    static func dot(_ n: Int, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, threads: Int) -> Double {
        let count = (n + block - 1) / block
        var partial = [Double](repeating: 0, count: count)
        partial.withUnsafeMutableBufferPointer { out in
            let shared = UncheckedSendable((x, y, out))
            blocks(n, threads: threads) { start, length in
                let (x, y, out) = shared.value
                out[start / block] = cblas_dsdot(Int32(length), x + start, 1, y + start, 1)
            }
        }
        return partial.reduce(0, +)
    }

    /// Runs `body(start, count)` for each block of `0..<n`, the blocks spread over `threads`.
    private static func blocks(_ n: Int, threads: Int, _ body: @Sendable (Int, Int) -> Void) {
        let count = (n + block - 1) / block
        ParallelFor.dynamic(count: count, chunk: 1, threads: threads) { range in
            for b in range { body(b * block, min(block, n - b * block)) }
        }
    }
}
