import SwitchboardBench
import SwitchboardTraining
import Testing

/// The histogram's bucket layout and percentile math on known inputs (no timing).
@Suite struct LatencyHistogramTests {
    @Test func emptyHistogramReportsZero() {
        let h = LatencyHistogram()
        #expect(h.isEmpty && h.count == 0)
        #expect(h.value(atQuantile: 0.5) == 0 && h.max == 0 && h.mean == 0)
    }

    @Test func smallValuesAreExact() {
        var h = LatencyHistogram()
        for v in 1...100 as ClosedRange<UInt64> { h.record(v) }
        #expect(h.count == 100 && h.min == 1 && h.max == 100 && h.sum == 5050)
        #expect(h.mean == 50.5)
        // rank = ⌈q × n⌉: the 50th, 90th, 99th and 100th smallest values.
        #expect(h.value(atPercentile: 50) == 50)
        #expect(h.value(atPercentile: 90) == 90)
        #expect(h.value(atPercentile: 99) == 99)
        #expect(h.value(atPercentile: 99.9) == 100)
        #expect(h.value(atQuantile: 0) == 1)
        #expect(h.value(atQuantile: 1) == 100)
        #expect(h.value(atQuantile: 0.001) == 1)
    }

    @Test func decimalPercentilesDoNotSkipARank() {
        var h = LatencyHistogram()
        for v in 1...1000 as ClosedRange<UInt64> { h.record(v) }
        // 99.9 / 100 × 1000 is 999.0000000000001 in binary; the rank is still 999.
        let p999 = h.value(atPercentile: 99.9)
        #expect(p999 >= 990 && p999 <= 999, "got \(p999)")
        #expect(h.value(atPercentile: 100) == 1000)
    }

    @Test func bucketsTileTheRangeWithoutGaps() {
        var expectedLow: UInt64 = 0
        for index in 0..<LatencyHistogram.bucketCount {
            let range = LatencyHistogram.bucketRange(index)
            #expect(range.lowerBound == expectedLow, "bucket \(index)")
            #expect(LatencyHistogram.bucketIndex(for: range.lowerBound) == index)
            #expect(LatencyHistogram.bucketIndex(for: range.upperBound) == index)
            if index == LatencyHistogram.bucketCount - 1 {
                #expect(range.upperBound == .max)
            } else {
                expectedLow = range.upperBound + 1
            }
        }
    }

    @Test(arguments: [128, 255, 256, 1000, 4321, 99_999, 1_000_000, 123_456_789, UInt64(1) << 40, .max] as [UInt64])
    func relativeErrorIsUnderOnePercent(value: UInt64) {
        var h = LatencyHistogram()
        h.record(1)        // min and max clamping must not hide the bucket's own error
        h.record(value)
        h.record(.max)
        let reported = h.value(atQuantile: 0.5)
        let error = abs(Double(reported) - Double(value)) / Double(value)
        #expect(error < 0.01, "\(value) reported as \(reported)")
        let range = LatencyHistogram.bucketRange(LatencyHistogram.bucketIndex(for: value))
        #expect(Double(range.upperBound - range.lowerBound) / Double(range.lowerBound) < 0.01)
    }

    @Test func percentilesOfASkewedDistribution() {
        // 990 fast samples at 3,000 ns, 9 at 20,000 ns and one outlier at 5,000,000 ns.
        var h = LatencyHistogram()
        h.record(3_000, count: 990)
        h.record(20_000, count: 9)
        h.record(5_000_000)
        #expect(h.count == 1000)
        func close(_ a: UInt64, _ b: UInt64) -> Bool { abs(Double(a) - Double(b)) / Double(b) < 0.01 }
        #expect(close(h.value(atPercentile: 50), 3_000))
        #expect(close(h.value(atPercentile: 99), 3_000))     // rank 990
        #expect(close(h.value(atPercentile: 99.5), 20_000))  // rank 995
        #expect(close(h.value(atPercentile: 99.9), 20_000))  // rank 999
        #expect(h.max == 5_000_000)
        #expect(h.value(atPercentile: 100) == 5_000_000)
    }

    @Test func recordingZeroTimesChangesNothing() {
        var h = LatencyHistogram()
        h.record(42, count: 0)
        #expect(h == LatencyHistogram())
    }
}
