@testable import SwitchboardTraining
import Synchronization
import Testing

@Suite struct ConcurrentJobsTests {
    func shares(count: Int, threads: Int) -> [Int] {
        (0 ..< count).map { ConcurrentJobs.threads(forJob: $0, count: count, threads: threads) }
    }

    @Test func theLastRoundSharesThePool() {
        #expect(shares(count: 5, threads: 2) == [1, 1, 1, 1, 2])
        #expect(shares(count: 4, threads: 2) == [1, 1, 1, 1])
        #expect(shares(count: 3, threads: 8) == [2, 2, 2])
        #expect(shares(count: 10, threads: 3) == [1, 1, 1, 1, 1, 1, 1, 1, 1, 3])
        #expect(shares(count: 7, threads: 4) == [1, 1, 1, 1, 1, 1, 1])
        #expect(shares(count: 2, threads: 1) == [1, 1])
        #expect(shares(count: 1, threads: 0) == [1])
    }

    @Test func everyJobRunsOnceAndResultsComeInJobOrder() throws {
        let seen = Mutex<[Int]>([])
        let results = try ConcurrentJobs.map(count: 9, threads: 4) { j, threads in
            seen.withLock { $0.append(j) }
            return j * 10 + threads
        }
        #expect(results == [10 * 0 + 1, 11, 21, 31, 41, 51, 61, 71, 84])
        #expect(seen.withLock { $0.sorted() } == Array(0 ..< 9))
    }
}
