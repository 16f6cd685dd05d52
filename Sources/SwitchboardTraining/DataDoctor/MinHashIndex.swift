import Switchboard
import SwitchboardSupport

/// Candidate near-duplicate pairs without an all-pairs scan: MinHash signatures of each text's
/// hashed word and character n-gram set, cut into bands (locality-sensitive hashing). Two texts
/// become a candidate pair when all the minima of one band agree, which for Jaccard similarity s
/// happens with probability 1 − (1 − s⁴)⁸: 0.98 at s = 0.8, 0.40 at 0.5, 0.05 at 0.3. Candidates
/// are then checked exactly (`jaccard`), so the bands only decide what is compared.
///
/// - Complexity: O(n · f · h) to sign n texts of f features with h = 32 hashes, then a sort of
///   n keys per band; pairs are formed only inside runs of equal keys, each row with at most
///   `window` following rows of the run, so a huge run (a very common short text) costs
///   O(run · window), never O(run²). Memory: 8 bytes per row per band.
struct MinHashIndex {
    /// Bands and hashes per band: 8 × 4 puts the 50% detection point near s = 0.6 and finds
    /// pairs above the 0.8 threshold 98% of the time.
    static let bands = 8
    static let rowsPerBand = 4
    /// How many later members of a run of equal band keys each member is paired with.
    static let window = 8

    /// Band keys, `bands` per row; nil for a row without features (never paired).
    let keys: [UInt64?]
    let extractor: FeatureExtractor

    /// Signs `texts` on `threads` threads (the keys do not depend on the thread count).
    init(texts: [String], extractor: FeatureExtractor, threads: Int) {
        self.extractor = extractor
        let n = texts.count, b = Self.bands
        var keys = [UInt64?](repeating: nil, count: n * b)
        keys.withUnsafeMutableBufferPointer { buffer in
            let out = UncheckedSendable(buffer)
            ParallelFor.run(count: n, threads: threads) { range in
                let scratch = FeatureScratch()
                for i in range {
                    extractor.countFeatures(of: texts[i], into: scratch)
                    guard let band = Self.bandKeys(scratch.buckets) else { continue }
                    for k in 0 ..< b { out.value[i * b + k] = band[k] }
                }
            }
        }
        self.keys = keys
    }

    /// Candidate pairs (i < j) for which `wanted(i, j)` holds, sorted, each once.
    func candidates(_ wanted: (Int, Int) -> Bool) -> [(Int, Int)] {
        let b = Self.bands, n = keys.count / b
        var seen = Set<UInt64>()
        for band in 0 ..< b {
            var entries: [(key: UInt64, row: Int)] = []
            entries.reserveCapacity(n)
            for i in 0 ..< n { if let k = keys[i * b + band] { entries.append((k, i)) } }
            entries.sort { $0.key != $1.key ? $0.key < $1.key : $0.row < $1.row }
            var start = 0
            while start < entries.count {
                var end = start + 1
                while end < entries.count && entries[end].key == entries[start].key { end += 1 }
                for x in start ..< end {
                    for y in (x + 1) ..< min(end, x + 1 + Self.window) {
                        let i = entries[x].row, j = entries[y].row
                        if wanted(i, j) { seen.insert(UInt64(i) << 32 | UInt64(j)) }
                    }
                }
                start = end
            }
        }
        return seen.sorted().map { (Int($0 >> 32), Int($0 & 0xFFFF_FFFF)) }
    }

    /// Exact Jaccard similarity of the two texts' hashed n-gram sets.
    func jaccard(_ a: String, _ b: String, scratch: FeatureScratch) -> Double {
        extractor.countFeatures(of: a, into: scratch)
        let x = Set(scratch.buckets)
        extractor.countFeatures(of: b, into: scratch)
        let y = Set(scratch.buckets)
        let union = x.union(y).count
        return union == 0 ? 0 : Double(x.intersection(y).count) / Double(union)
    }

    /// The `bands` band keys of one feature set, or nil when it is empty.
    static func bandKeys(_ buckets: UnsafeBufferPointer<UInt32>) -> [UInt64]? {
        guard !buckets.isEmpty else { return nil }
        var minima = [UInt64](repeating: .max, count: bands * rowsPerBand)
        for bucket in buckets {
            for h in 0 ..< minima.count {
                let v = mix(UInt64(bucket) &+ UInt64(h + 1) &* 0x9E37_79B9_7F4A_7C15)
                if v < minima[h] { minima[h] = v }
            }
        }
        return (0 ..< bands).map { band in
            var key = UInt64(band) &* 0xD6E8_FEB8_6659_FD93
            for r in 0 ..< rowsPerBand { key = mix(key ^ minima[band * rowsPerBand + r]) }
            return key
        }
    }

    /// SplitMix64's finalizer: a fixed bijective mix, the same on every platform.
    @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
