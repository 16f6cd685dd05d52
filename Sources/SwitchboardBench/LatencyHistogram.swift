/// A log-linear (HdrHistogram-style) histogram of non-negative integer values, typically
/// latencies in nanoseconds, with a bounded relative error and a fixed memory footprint.
///
/// Layout: values below `subBucketCount` (128) each have their own bucket (exact). Above that,
/// every power-of-two range [2^e, 2^(e+1)) is split into `subBucketCount` equal buckets, so a
/// bucket is never wider than 1/128 of its lower bound: any value reported for a bucket is
/// within 0.79% of every value recorded in it (the midpoint, which `value(atQuantile:)`
/// reports, within 0.4%). The whole `UInt64` range fits in 7,424 buckets (58 KB).
///
/// `min`, `max`, `count` and `sum` are tracked exactly. Recording is O(1) and never allocates.
public struct LatencyHistogram: Sendable, Equatable {
    /// Linear sub-buckets per power of two. 128 = 2^7 keeps the bucket width at or under 0.79%
    /// of its value, inside the 1% error budget, at 7,424 buckets for the full `UInt64` range.
    public static let subBucketBits = 7
    public static let subBucketCount = 1 << subBucketBits
    /// Buckets for the whole `UInt64` range: one exact range, then one per exponent 7...63.
    public static let bucketCount = (64 - subBucketBits + 1) * subBucketCount

    /// Count per bucket.
    public private(set) var counts: [UInt64]
    /// Number of recorded values.
    public private(set) var count: UInt64 = 0
    /// Smallest and largest recorded values (exact; 0 when empty).
    public private(set) var min: UInt64 = 0
    public private(set) var max: UInt64 = 0
    /// Sum of the recorded values (wrapping only past 2^64, i.e. never in practice).
    public private(set) var sum: UInt64 = 0

    public init() {
        counts = [UInt64](repeating: 0, count: Self.bucketCount)
    }

    /// True when nothing was recorded.
    public var isEmpty: Bool { count == 0 }

    /// The arithmetic mean (exact up to `Double` rounding), 0 when empty.
    public var mean: Double { count == 0 ? 0 : Double(sum) / Double(count) }

    /// The bucket that holds `value`.
    public static func bucketIndex(for value: UInt64) -> Int {
        if value < UInt64(subBucketCount) { return Int(value) }
        let exponent = 63 - value.leadingZeroBitCount          // ≥ subBucketBits here
        let shift = exponent - subBucketBits                    // ≥ 0
        let mantissa = Int(value >> UInt64(shift))              // in [128, 256)
        return (shift + 1) * subBucketCount + (mantissa - subBucketCount)
    }

    /// The smallest and largest values that land in bucket `index`.
    public static func bucketRange(_ index: Int) -> ClosedRange<UInt64> {
        precondition((0..<bucketCount).contains(index), "bucket index out of range")
        if index < subBucketCount { return UInt64(index)...UInt64(index) }
        let shift = index / subBucketCount - 1
        let mantissa = UInt64(index % subBucketCount + subBucketCount)
        let low = mantissa << UInt64(shift)
        return low...(low + ((1 << UInt64(shift)) - 1))
    }

    /// Records one value.
    public mutating func record(_ value: UInt64) {
        record(value, count: 1)
    }

    /// Records `value` `n` times.
    public mutating func record(_ value: UInt64, count n: UInt64) {
        guard n > 0 else { return }
        counts[Self.bucketIndex(for: value)] += n
        if count == 0 || value < min { min = value }
        if value > max { max = value }
        count += n
        sum &+= value &* n
    }

    /// The value at quantile `q` (0...1): the smallest recorded value `v` such that at least
    /// `q × count` values are ≤ `v`, reported as its bucket's midpoint clamped to the exact
    /// `min`...`max` (so `q = 0` gives `min` and `q = 1` gives `max`). 0 when empty.
    ///
    /// Same rank rule as HdrHistogram and numpy's "inverted_cdf": rank = ⌈q × count⌉, at least 1.
    public func value(atQuantile q: Double) -> UInt64 {
        precondition(q >= 0 && q <= 1, "quantile must be in 0...1")
        guard count > 0 else { return 0 }
        if q >= 1 { return max }
        // The 1e-12 relative slack absorbs decimal round-off (99.9 / 100 × 1000 is
        // 999.0000000000001 in binary) so that an exact rank is not bumped to the next value.
        let rank = Swift.max(1, UInt64((q * Double(count) * (1 - 1e-12)).rounded(.up)))
        var seen: UInt64 = 0
        for (index, c) in counts.enumerated() where c != 0 {
            seen += c
            if seen >= rank {
                let range = Self.bucketRange(index)
                let middle = range.lowerBound + (range.upperBound - range.lowerBound) / 2
                return Swift.min(Swift.max(middle, min), max)
            }
        }
        return max // unreachable: the counts add up to `count`
    }

    /// The value at percentile `p` (0...100), e.g. `value(atPercentile: 99.9)`.
    public func value(atPercentile p: Double) -> UInt64 {
        value(atQuantile: Swift.min(Swift.max(p / 100, 0), 1))
    }
}
