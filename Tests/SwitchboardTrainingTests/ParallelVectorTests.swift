import CBLAS
import Foundation
import Synchronization
@testable import SwitchboardTraining
import SwitchboardSupport
import Testing

/// The refinement's parallel pieces: block-split level-1 BLAS gives the bits of one
/// whole-vector call, `ParallelFor.overlapping` runs its serial part once and every index once,
/// `ParallelFor.dynamic` runs every index once, and `ParallelFor.both` runs both pieces.
@Suite struct ParallelVectorTests {
    static func vector(_ n: Int, seed: UInt64) -> [Float] {
        var rng = SplitMix64(seed: seed)
        return (0 ..< n).map { _ in Float(Int(rng.next() % 20001) - 10000) / 997 }
    }

    /// Sizes around the block size and a misaligned start (offset 3 floats).
    @Test(arguments: [1, 63, ParallelVector.block - 5, ParallelVector.block, 3 * ParallelVector.block + 77])
    func blocksGiveTheBitsOfOneCall(n: Int) {
        let x = Self.vector(n + 3, seed: 1), y = Self.vector(n + 3, seed: 2)
        var whole = y
        x.withUnsafeBufferPointer { xb in whole.withUnsafeMutableBufferPointer { wb in
            cblas_saxpy(Int32(n), 0.37, xb.baseAddress! + 3, 1, wb.baseAddress! + 3, 1)
            cblas_sscal(Int32(n), -1.3, wb.baseAddress! + 3, 1)
        }}
        for threads in [1, 2, 3] {
            var split = y
            x.withUnsafeBufferPointer { xb in split.withUnsafeMutableBufferPointer { sb in
                ParallelVector.axpy(n, 0.37, xb.baseAddress! + 3, sb.baseAddress! + 3, threads: threads)
                ParallelVector.scale(n, -1.3, sb.baseAddress! + 3, threads: threads)
            }}
            #expect(split.map(\.bitPattern) == whole.map(\.bitPattern), "threads \(threads)")
            var copied = [Float](repeating: 9, count: n)
            x.withUnsafeBufferPointer { xb in copied.withUnsafeMutableBufferPointer {
                ParallelVector.copy(n, xb.baseAddress! + 3, $0.baseAddress!, threads: threads)
            }}
            #expect(copied == Array(x[3...]))
            copied.withUnsafeMutableBufferPointer { ParallelVector.zero(n, $0.baseAddress!, threads: threads) }
            #expect(copied.allSatisfy { $0 == 0 })
        }
    }

    @Test(arguments: [1, 2, 3, 8])
    func overlappingRunsFirstOnceAndEveryIndexOnce(threads: Int) {
        let count = 1000
        let hits = Mutex([Int](repeating: 0, count: count))
        let firsts = Mutex(0)
        ParallelFor.overlapping(count: count, chunk: 64, threads: threads, first: { firsts.withLock { $0 += 1 } }) { range in
            hits.withLock { for i in range { $0[i] += 1 } }
        }
        #expect(firsts.withLock { $0 } == 1)
        #expect(hits.withLock { $0.allSatisfy { $0 == 1 } })
        ParallelFor.overlapping(count: 0, chunk: 64, threads: threads, first: { firsts.withLock { $0 += 1 } }) { _ in
            Issue.record("no index to run")
        }
        #expect(firsts.withLock { $0 } == 2)
    }

    /// Both pieces run once each, and each result comes back in its own place, also when
    /// they finish in either order (the first sleeps, then the second).
    @Test func bothRunsEachPieceOnceAndReturnsItsResult() {
        let runs = Mutex([0, 0])
        for firstSleeps in [true, false] {
            let (number, text) = ParallelFor.both({ () -> Int in
                if firstSleeps { usleep(20_000) }
                runs.withLock { $0[0] += 1 }
                return 42
            }, { () -> String in
                if !firstSleeps { usleep(20_000) }
                runs.withLock { $0[1] += 1 }
                return "second"
            })
            #expect(number == 42 && text == "second")
        }
        #expect(runs.withLock { $0 } == [2, 2])
    }

    /// Every index once, in blocks of `chunk` (the last one shorter), on any thread count; one
    /// thread gets a single call over everything, in order.
    @Test(arguments: [1, 2, 3, 8])
    func dynamicBlocksCoverEveryIndexOnce(threads: Int) {
        for (count, chunk) in [(1000, 64), (4, 1), (5, 7), (0, 3)] {
            let hits = Mutex([Int](repeating: 0, count: count))
            let calls = Mutex([Range<Int>]())
            ParallelFor.dynamic(count: count, chunk: chunk, threads: threads) { range in
                hits.withLock { for i in range { $0[i] += 1 } }
                calls.withLock { $0.append(range) }
            }
            #expect(hits.withLock { $0.allSatisfy { $0 == 1 } }, "count \(count), chunk \(chunk)")
            let ranges = calls.withLock { $0 }
            if threads == 1 || count <= chunk {
                #expect(ranges == (count > 0 ? [0 ..< count] : []), "count \(count), chunk \(chunk)")
            } else {
                #expect(ranges.allSatisfy { $0.lowerBound % chunk == 0 && ($0.count == chunk || $0.upperBound == count) })
            }
        }
    }
}
