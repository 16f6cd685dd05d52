import SwitchboardSupport
import Dispatch
import Foundation
import Switchboard

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A monotonic clock in nanoseconds (`clock_gettime(CLOCK_MONOTONIC)`, a vDSO call on Linux).
public enum MonotonicClock {
    /// Nanoseconds since an arbitrary fixed point.
    @inline(__always)
    public static func now() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return UInt64(t.tv_sec) &* 1_000_000_000 &+ UInt64(t.tv_nsec)
    }

    /// The median of `pairs` back-to-back readings' differences: what one timed interval adds
    /// to whatever it times. 10,001 pairs take about 0.2 ms and make the median stable to 1 ns.
    public static func overhead(pairs: Int = 10_001) -> UInt64 {
        var histogram = LatencyHistogram()
        for _ in 0..<max(1, pairs) {
            let start = now()
            histogram.record(now() &- start)
        }
        return histogram.value(atQuantile: 0.5)
    }
}

/// Measures a model in-process: load time, single-query latency distribution, single-thread and
/// all-core throughput, steady-state heap allocations per query and resident memory.
///
/// Phases, in order, all on the same loaded model:
/// 1. Load: `Classifier(contentsOf:)` (open, map, validate including the checksum) plus one
///    prediction, timed together. The page cache is whatever it is (warm after training).
/// 2. Warm-up: one pass over the queries (at least `warmUpPredictions`), which also grows the
///    scratch buffers to their steady-state size.
/// 3. Latency: queries in order, cycling; each `predict(_:scratch:)` timed on its own with the
///    monotonic clock, minus the clock's measured overhead (clamped at 0), into a histogram.
/// 4. Throughput: whole passes over the queries on 1 thread, then `threads` threads each with
///    its own `FeatureScratch`, each starting at a different offset in the query set (skipped
///    when `threads` is 1: the all-core figure is then the single-thread one).
/// 5. Allocations: one pass (at most `allocationPassLimit` queries) counted by
///    `AllocationCounter`; `nil` where counting is unsupported.
public enum LatencyBenchmark {
    /// How long to sample.
    public enum Budget: Sendable, Equatable {
        /// Seconds of latency sampling; each throughput phase then runs for half of it.
        case duration(Double)
        /// Timed latency samples; each throughput phase then runs at least this many queries
        /// (rounded up to whole passes), the all-core one split across its threads.
        case iterations(Int)
    }

    /// Everything measured.
    public struct Report: Sendable {
        /// Model load plus first prediction.
        public var loadNanoseconds: UInt64
        /// Per-query latency in nanoseconds, timer overhead subtracted.
        public var latency: LatencyHistogram
        /// The clock overhead subtracted from each sample.
        public var timerOverheadNanoseconds: UInt64
        /// Minor + major page faults and voluntary + involuntary context switches of the
        /// process during latency sampling (to explain outliers).
        public var pageFaults: Int
        public var contextSwitches: Int
        public var queriesPerSecond: Double
        public var queriesPerSecondAllCores: Double
        /// Threads of the all-core throughput phase.
        public var threads: Int
        public var modelBytes: Int
        /// Heap allocation calls per query in steady state, nil when they could not be counted.
        public var allocationsPerQuery: Double?
        /// Queries predicted while counting allocations.
        public var allocationSampleQueries: Int
        /// The process's resident memory right after loading (VmRSS), nil where unavailable.
        public var residentBytesAfterLoad: Int?
        /// Number of distinct queries.
        public var queries: Int
    }

    /// Predictions in the warm-up, at least: enough to fault in code and the hot weight rows.
    public static let warmUpPredictions = 1000
    /// Most predictions counted for allocations: a steady-state count needs no more, and a huge
    /// query file should not double the run time.
    public static let allocationPassLimit = 10_000

    /// Runs every phase on the model at `path`. `queries` nil = the built-in set for the model's
    /// labels (`SampleQueries.make`); when given it must not be empty. Throws `ModelFileError`
    /// for a bad model.
    public static func run(model path: String, queries given: [String]?, budget: Budget,
                           threads: Int) throws -> Report {
        let firstQuery = given?.first ?? SampleQueries.handWritten[0]
        let start = MonotonicClock.now()
        let classifier = try Classifier(contentsOf: path)
        let scratch = FeatureScratch()
        var sink = classifier.predict(firstQuery, scratch: scratch).labelIndex
        let load = MonotonicClock.now() &- start
        let rss = residentBytes()

        let queries = given ?? SampleQueries.make(labels: classifier.labels)
        precondition(!queries.isEmpty, "no queries to benchmark")
        for i in 0..<max(queries.count, warmUpPredictions) {
            sink &+= classifier.predict(queries[i % queries.count], scratch: scratch).labelIndex
        }
        let overhead = MonotonicClock.overhead()
        let usageBefore = ResourceUsage.now()
        let latency = sampleLatency(classifier, queries, scratch, budget: budget, overhead: overhead, sink: &sink)
        let usageAfter = ResourceUsage.now()

        let phaseSeconds: Double, phaseQueries: Int
        switch budget {
        case .duration(let seconds): phaseSeconds = seconds / 2; phaseQueries = queries.count
        case .iterations(let n): phaseSeconds = 0; phaseQueries = max(n, 1)
        }
        let single = singleThreadThroughput(classifier, queries, scratch, seconds: phaseSeconds,
                                            minimumQueries: phaseQueries, sink: &sink)
        let workers = max(1, threads)
        // Time budget: size each thread's share so the phase lasts about `phaseSeconds` if
        // threads scaled perfectly; iteration budget: the same total work as one thread did.
        let perThread = phaseSeconds > 0 ? max(1, Int(single.rate * phaseSeconds)) : (single.queries + workers - 1) / workers
        // One thread: the all-core phase would only measure the single-thread one again.
        let all = workers == 1 ? single.rate
            : multiThreadThroughput(classifier, queries, threads: workers, perThread: perThread)

        let counted = min(queries.count, allocationPassLimit)
        var allocations: Int?
        queries.withUnsafeBufferPointer { q in
            allocations = AllocationCounter.count {
                for i in 0..<counted { sink &+= classifier.predict(q[i], scratch: scratch).labelIndex }
            }
        }
        blackHole(sink)
        return Report(loadNanoseconds: load, latency: latency, timerOverheadNanoseconds: overhead,
                      pageFaults: usageAfter.faults - usageBefore.faults,
                      contextSwitches: usageAfter.switches - usageBefore.switches,
                      queriesPerSecond: single.rate, queriesPerSecondAllCores: all, threads: workers,
                      modelBytes: classifier.storage.byteCount,
                      allocationsPerQuery: allocations.map { Double($0) / Double(counted) },
                      allocationSampleQueries: counted, residentBytesAfterLoad: rss, queries: queries.count)
    }

    /// Phase 3: each prediction timed on its own.
    private static func sampleLatency(_ classifier: Classifier, _ queries: [String], _ scratch: FeatureScratch,
                                      budget: Budget, overhead: UInt64, sink: inout Int) -> LatencyHistogram {
        var histogram = LatencyHistogram()
        let (limit, deadline): (Int, UInt64) = switch budget {
        case .iterations(let n): (max(n, 1), .max)
        case .duration(let seconds): (.max, UInt64(max(seconds, 0) * 1e9))
        }
        queries.withUnsafeBufferPointer { q in
            var i = 0, samples = 0
            let begin = MonotonicClock.now()
            while true {
                let text = q[i]
                i = i + 1 == q.count ? 0 : i + 1
                let t0 = MonotonicClock.now()
                let prediction = classifier.predict(text, scratch: scratch)
                let t1 = MonotonicClock.now()
                sink &+= prediction.labelIndex
                let elapsed = t1 &- t0
                histogram.record(elapsed > overhead ? elapsed - overhead : 0)
                samples += 1
                if samples >= limit || t1 &- begin >= deadline { break }
            }
        }
        return histogram
    }

    /// Phase 4a: whole passes until both `seconds` and `minimumQueries` are reached.
    private static func singleThreadThroughput(_ classifier: Classifier, _ queries: [String], _ scratch: FeatureScratch,
                                               seconds: Double, minimumQueries: Int,
                                               sink: inout Int) -> (rate: Double, queries: Int) {
        var done = 0
        let begin = MonotonicClock.now()
        var elapsed: UInt64 = 0
        queries.withUnsafeBufferPointer { q in
            repeat {
                for text in q { sink &+= classifier.predict(text, scratch: scratch).labelIndex }
                done += q.count
                elapsed = MonotonicClock.now() &- begin
            } while done < minimumQueries || Double(elapsed) < seconds * 1e9
        }
        return (Double(done) / (Double(max(elapsed, 1)) / 1e9), done)
    }

    /// Phase 4b: `threads` threads, `perThread` predictions each, timed from start to the last
    /// thread's end. Each scratch is warmed first, outside the timing.
    private static func multiThreadThroughput(_ classifier: Classifier, _ queries: [String], threads: Int,
                                              perThread: Int) -> Double {
        let scratches = UncheckedSendable((0..<threads).map { _ in FeatureScratch() })
        for scratch in scratches.value { for text in queries { _ = classifier.predict(text, scratch: scratch) } }
        let sums = UncheckedSendable(UnsafeMutableBufferPointer<Int>.allocate(capacity: threads))
        defer { sums.value.deallocate() }
        let begin = MonotonicClock.now()
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            queries.withUnsafeBufferPointer { q in
                let scratch = scratches.value[t]
                var i = t * q.count / threads, sum = 0
                for _ in 0..<perThread {
                    sum &+= classifier.predict(q[i], scratch: scratch).labelIndex
                    i = i + 1 == q.count ? 0 : i + 1
                }
                sums.value[t] = sum
            }
        }
        let elapsed = MonotonicClock.now() &- begin
        blackHole(sums.value.reduce(0, &+))
        return Double(perThread * threads) / (Double(max(elapsed, 1)) / 1e9)
    }

    /// VmRSS of this process in bytes, from /proc/self/status; nil where there is none.
    public static func residentBytes() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kB = Int(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "") else {
            return nil
        }
        return kB * 1024
    }

    /// Keeps `value` (and so the work that produced it) from being optimized away.
    @inline(never)
    static func blackHole(_ value: Int) {
        if value == .min { print("", terminator: "") }
    }
}

/// Page faults and context switches of the process so far (getrusage).
private struct ResourceUsage {
    var faults: Int
    var switches: Int

    static func now() -> ResourceUsage {
        var usage = rusage()
        #if canImport(Glibc)
        _ = getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        #else
        _ = getrusage(RUSAGE_SELF, &usage)
        #endif
        return ResourceUsage(faults: usage.ru_minflt + usage.ru_majflt, switches: usage.ru_nvcsw + usage.ru_nivcsw)
    }
}
